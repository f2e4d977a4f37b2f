//! Privacy guarantees: erasure reaches every copy of a customer's words (digests that quote
//! the note, `.eml` files), the customer's export names a rep only as the receipt page does,
//! no customer text reaches a subject, text fields refuse invisible characters but keep
//! emoji, the JSON API caps bodies, secret tokens stay out of the logs, and the files Heard
//! writes are readable by its owner only.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Duration as Span;
use diesel::prelude::*;
use heard::config::Secret;
use heard::db::ids::{FeedbackId, OutboxId};
use heard::db::schema::{feedback, outbox, staff};
use heard::domain::Role;
use heard::store::cases::{self, Acting, Step};
use heard::store::inbox::Scope;
use heard::store::note_facts::Links;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{
    Backend, TEST_SECRET, TestApp, form_token, seed_org, spawn_app, spawn_app_with,
};
use crate::schedule::next_monday;
use crate::staff::{csrf, set_passwords, signed_in};

/// Sends a thank-you that may be published (so the daily digest lists it); its id and the
/// path of its receipt page.
async fn thanks(app: &TestApp, rep: &str, email: &str, body: &str) -> (FeedbackId, String) {
    let res = app
        .client
        .post(app.url("/api/v1/feedback"))
        .json(&json!({"kind": "thanks", "rep_handle": rep,
                      "customer": {"name": "Pat Doe", "email": email},
                      "body": body, "consent": {"publish": true, "display": "first"}}))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let created: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{created}");
    let url = created["receipt_url"].as_str().unwrap();
    let path = &url[url.find("/receipt/").unwrap()..];
    (
        FeedbackId::parse(created["id"].as_str().unwrap()).unwrap(),
        path.to_owned(),
    )
}

/// Erases a note the way its customer does, from the receipt page.
async fn erase_from_receipt(app: &TestApp, receipt: &str) {
    let page = app.get(receipt).await.text().await.unwrap();
    let tok = form_token(&page);
    let res = app
        .client
        .post(app.url(&format!("{receipt}/erase")))
        .form(&[("form_token", tok.as_str()), ("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
}

/// Every outbox row whose subject or body contains `words`.
fn rows_quoting(app: &TestApp, words: &str) -> Vec<(String, String)> {
    let like = format!("%{words}%");
    outbox::table
        .filter(
            outbox::subject
                .like(like.clone())
                .or(outbox::body_text.like(like.clone()))
                .or(outbox::body_html.like(like)),
        )
        .select((outbox::template, outbox::status))
        .load(&mut app.pool.get().unwrap())
        .unwrap()
}

fn digests(app: &TestApp) -> Vec<(OutboxId, String, String, String)> {
    outbox::table
        .filter(outbox::template.like("%digest"))
        .order(outbox::id.asc())
        .select((
            outbox::id,
            outbox::template,
            outbox::subject,
            outbox::body_text,
        ))
        .load(&mut app.pool.get().unwrap())
        .unwrap()
}

/// A daily and a weekly digest quote a note; the customer erases it, and neither digest
/// keeps its words (nor is sent again, or re-sent by the schedule). An admin's erasure by
/// email reaches the next day's digest the same way.
async fn digests_lose_the_words_of_an_erased_note(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let (_, receipt) = thanks(
        &app,
        "maria",
        "pat@example.com",
        "Maria found the Zanzibar booking.",
    )
    .await;
    thanks(&app, "maria", "kim@example.com", "Kim says thanks.").await;
    let monday = next_monday(9);
    let report = app.worker.run_schedule_at(monday).await.unwrap();
    assert_eq!((report.moderation_digests, report.weekly_digests), (1, 1));
    let before = digests(&app);
    assert_eq!(before.len(), 2);
    for (_, template, _, body) in &before {
        assert!(body.contains("Zanzibar"), "{template} does not quote it");
    }

    erase_from_receipt(&app, &receipt).await;
    assert_eq!(rows_quoting(&app, "Zanzibar"), vec![]);
    let mut c = app.pool.get().unwrap();
    for (id, template, subject, body) in digests(&app) {
        assert_eq!(
            subject,
            heard::store::outbox::SCRUBBED_SUBJECT,
            "{template}"
        );
        assert!(
            !body.contains("Kim says"),
            "{template}: the whole body goes"
        );
        let status: String = outbox::table
            .find(&id)
            .select(outbox::status)
            .first(&mut c)
            .unwrap();
        assert_eq!(status, "dead", "{template} is never sent");
        assert!(
            !heard::store::outbox::retry_dead(&mut c, &id, heard::store::now()).unwrap(),
            "a scrubbed {template} cannot be sent again"
        );
    }
    drop(c);
    // The same day, on another instance: the digests are not queued again.
    let again = app
        .second_worker()
        .run_schedule_at(monday + Span::hours(2))
        .await
        .unwrap();
    assert_eq!((again.moderation_digests, again.weekly_digests), (0, 0));

    // The next day's digest quotes a new note; the admin erases its customer by email.
    thanks(
        &app,
        "maria",
        "lee@example.com",
        "Lee liked the Kilimanjaro callback.",
    )
    .await;
    let next = app
        .worker
        .run_schedule_at(monday + Span::days(1))
        .await
        .unwrap();
    assert_eq!(next.moderation_digests, 1);
    assert_eq!(
        rows_quoting(&app, "Kilimanjaro").len(),
        3,
        "rep, manager, digest"
    );
    let priya = signed_in(&app, "priya@example.com").await;
    let token = csrf(&app, &priya).await;
    let res = priya
        .post(app.url("/staff/erasure"))
        .form(&[
            ("csrf", token.as_str()),
            ("email", "lee@example.com"),
            ("confirm", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(rows_quoting(&app, "Kilimanjaro"), vec![]);
    let to_lee: i64 = outbox::table
        .filter(outbox::recipient.eq("lee@example.com"))
        .count()
        .get_result(&mut app.pool.get().unwrap())
        .unwrap();
    assert_eq!(to_lee, 0);
}

/// An `.eml` file's text, with quoted-printable soft line breaks undone.
fn eml_text(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .replace("=\r\n", "")
        .replace("=\n", "")
}

fn eml_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Without an SMTP server emails are `.eml` files named after their outbox row, readable by
/// the owner only; erasing a note removes every file that quoted it (its emails and the
/// digests), and leaves the others.
async fn eml_copies_are_private_and_go_with_the_note(backend: Backend) {
    let app = spawn_app_with(backend, |a| a.smtp_url = None).await;
    seed_org(&app);
    let (erased, receipt) = thanks(
        &app,
        "maria",
        "pat@example.com",
        "Maria found the Zanzibar booking.",
    )
    .await;
    let (kept, _) = thanks(&app, "maria", "kim@example.com", "Kim says thanks.").await;
    app.worker.run_schedule_at(next_monday(9)).await.unwrap();
    app.worker.drain().await.unwrap();
    let dir = app.settings.outbox_dir();
    let ids_of = |note: &FeedbackId| -> Vec<OutboxId> {
        outbox::table
            .filter(outbox::feedback_id.eq(note))
            .select(outbox::id)
            .load(&mut app.pool.get().unwrap())
            .unwrap()
    };
    let file_of = |id: &OutboxId| dir.join(heard::mail::eml_file_name(id.as_str()));
    let all: Vec<OutboxId> = outbox::table
        .select(outbox::id)
        .load(&mut app.pool.get().unwrap())
        .unwrap();
    assert_eq!(eml_files(&dir).len(), all.len());
    for id in &all {
        assert!(file_of(id).exists(), "no file for {id}");
    }
    let quoting = eml_files(&dir)
        .iter()
        .filter(|p| eml_text(p).contains("Zanzibar"))
        .count();
    assert_eq!(quoting, 4, "rep, manager and both digests");
    #[cfg(unix)]
    {
        for file in eml_files(&dir) {
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&app.db.data_dir()), 0o700);
        if backend == Backend::Sqlite {
            let db = app.db.dir.path().join("heard.db");
            for suffix in ["", "-wal", "-shm"] {
                let path = PathBuf::from(format!("{}{suffix}", db.display()));
                assert_eq!(mode(&path), 0o600, "{}", path.display());
            }
        }
    }

    erase_from_receipt(&app, &receipt).await;
    for file in eml_files(&dir) {
        assert!(
            !eml_text(&file).contains("Zanzibar"),
            "{} still quotes the erased note",
            file.display()
        );
    }
    for id in ids_of(&erased) {
        assert!(!file_of(&id).exists());
    }
    for id in ids_of(&kept) {
        assert!(file_of(&id).exists(), "another note's email went too");
    }
}

/// Retention scrubs with the same function: a resolved complaint's emails lose their words,
/// and their `.eml` files go, when the retention period has passed.
async fn retention_removes_the_eml_copies_too(backend: Backend) {
    let app = spawn_app_with(backend, |a| a.smtp_url = None).await;
    seed_org(&app);
    set_passwords(&app);
    let (note, _) = crate::cases::send(
        &app,
        "complaint",
        "maria",
        Some("pat@example.com"),
        "My address is 1 Zanzibar Street.",
    )
    .await;
    let grace = signed_in(&app, "grace@example.com").await;
    let res = crate::cases::step(
        &app,
        &grace,
        &note,
        &[("step", "resolve"), ("message", "Refunded.")],
    )
    .await;
    assert_eq!(res.status(), 303);
    app.worker.drain().await.unwrap();
    let dir = app.settings.outbox_dir();
    let quoting = || {
        eml_files(&dir)
            .iter()
            .filter(|p| eml_text(p).contains("Zanzibar"))
            .count()
    };
    assert!(quoting() > 0);
    heard::store::settings::set(&mut app.pool.get().unwrap(), "complaint_retention_days", 30)
        .unwrap();
    let later = heard::store::now() + Span::days(40);
    let at_nine = later.date().and_hms_opt(9, 0, 0).unwrap() + Span::days(1);
    let report = app.worker.run_schedule_at(at_nine).await.unwrap();
    assert_eq!(report.expired, 1);
    assert_eq!(quoting(), 0, "an .eml copy outlived the retention period");
    assert_eq!(rows_quoting(&app, "Zanzibar"), vec![]);
    let subjects: Vec<String> = outbox::table
        .filter(outbox::feedback_id.eq(&note))
        .select(outbox::subject)
        .load(&mut app.pool.get().unwrap())
        .unwrap();
    assert!(
        subjects
            .iter()
            .all(|s| s == heard::store::outbox::SCRUBBED_SUBJECT),
        "{subjects:?}"
    );
}

/// A worker that was sending a note's email when the note was erased loses its claim: the
/// email is not recorded as sent, and it is marked scrubbed (so the worker removes the
/// `.eml` file it may just have written).
async fn an_email_erased_mid_send_loses_its_claim(backend: Backend) {
    let app = spawn_app_with(backend, |a| a.smtp_url = None).await;
    seed_org(&app);
    let (note, receipt) = thanks(&app, "maria", "pat@example.com", "Zanzibar.").await;
    let now = heard::store::now();
    let claimed =
        heard::store::outbox::claim(&mut app.pool.get().unwrap(), now, Span::seconds(120), 10)
            .unwrap();
    assert_eq!(claimed.len(), 3);
    erase_from_receipt(&app, &receipt).await;
    let mut c = app.pool.get().unwrap();
    for row in &claimed {
        let token = row.claim_token.clone().unwrap();
        assert!(!heard::store::outbox::mark_sent(&mut c, &row.id, &token, now).unwrap());
        assert!(heard::store::outbox::is_scrubbed(&mut c, &row.id).unwrap());
    }
    let statuses: Vec<String> = outbox::table
        .filter(outbox::feedback_id.eq(&note))
        .select(outbox::status)
        .load(&mut c)
        .unwrap();
    assert_eq!(statuses, ["dead", "dead", "dead"]);
}

/// The customer's export names the rep only as the receipt page does: once the rep chooses
/// not to be named, neither the history (their reply) nor the subjects of the emails sent
/// before name them.
async fn the_export_names_the_rep_only_as_the_receipt_page_does(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let (note, receipt) = thanks(&app, "maria", "pat@example.com", "Thank you!").await;
    let secret = Secret::new(TEST_SECRET);
    let base = app.settings.base_url.clone();
    let mut c = app.pool.get().unwrap();
    let maria: heard::store::staff::Staff = staff::table
        .filter(staff::handle.eq("maria"))
        .select(heard::store::staff::Staff::as_select())
        .first(&mut c)
        .unwrap();
    cases::apply(
        &mut c,
        &Acting {
            person: &maria,
            role: Role::Rep,
            scope: &Scope::Own(maria.id.clone(), heard::store::inbox::OpenComplaints::Shown),
        },
        &note,
        &Step::Reply {
            message: "It was my pleasure.".into(),
        },
        Links {
            secret: &secret,
            base_url: &base,
        },
    )
    .unwrap();
    let export = app
        .get(&format!("{receipt}/export.json"))
        .await
        .text()
        .await
        .unwrap();
    assert!(export.contains("Maria Lopez"), "named while she agrees");

    diesel::update(staff::table.filter(staff::handle.eq("maria")))
        .set(staff::public_naming.eq(false))
        .execute(&mut c)
        .unwrap();
    let page = app.get(&receipt).await.text().await.unwrap();
    assert!(!page.contains("Maria Lopez"));
    let res = app.get(&format!("{receipt}/export.json")).await;
    assert_eq!(res.status(), 200);
    let export: Value = res.json().await.unwrap();
    assert!(!export.to_string().contains("Maria Lopez"), "{export}");
    assert_eq!(export["about"], "a member of the Care team");
    let subjects: Vec<&str> = export["emails_to_you"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert!(
        subjects
            .iter()
            .any(|s| s.contains("a member of the Care team")),
        "{subjects:?}"
    );
    assert!(export["history"][0]["actor"].is_null(), "{export}");
    assert_eq!(export["history"][0]["body"], "It was my pleasure.");
}

/// Names and words refuse format characters, fillers and stray selectors with a field
/// error, and keep emoji sequences (ZWJ, VS16, keycaps, tag flags) intact.
async fn invisible_characters_are_refused_and_emoji_kept(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let post = |body: Value| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/api/v1/feedback"))
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    for name in [
        "Pat\u{00AD}Doe",
        "\u{3164}",
        "Pat \u{3164}",
        "Pat\u{115F}",
        "Pat\u{FFA0}Doe",
        "Pat\u{061C}",
        "Pat\u{180E}Doe",
        "Pat\u{2064}",
        "Pat\u{200D}Doe",
        "Pat\u{FE0F}",
        "Pat\u{E0041}\u{E007F}",
    ] {
        let res = post(json!({"kind": "thanks", "rep_handle": "maria",
                              "customer": {"name": name}, "body": "Thanks"}))
        .await;
        assert_eq!(res.status(), 422, "{name:?}");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "customer.name", "{name:?}");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("invisible"),
            "{problem}"
        );
    }
    for body in [
        "Thanks\u{200B}!",
        "Thanks \u{2066}x\u{2069}",
        "\u{FEFF}Thanks",
    ] {
        let res = post(json!({"kind": "thanks", "rep_handle": "maria", "body": body})).await;
        assert_eq!(res.status(), 422, "{body:?}");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "body");
    }
    let emoji = "Thank you \u{2764}\u{FE0F} \u{1F469}\u{200D}\u{1F4BB} \
                 \u{1F3F3}\u{FE0F}\u{200D}\u{1F308} 1\u{FE0F}\u{20E3} \
                 \u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}";
    let res = post(json!({"kind": "thanks", "rep_handle": "maria",
                          "customer": {"name": "Pat \u{1F44D}\u{1F3FD}"}, "body": emoji}))
    .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let (name, body): (Option<String>, Option<String>) = feedback::table
        .select((feedback::customer_name, feedback::body))
        .first(&mut app.pool.get().unwrap())
        .unwrap();
    assert_eq!(body.as_deref(), Some(emoji));
    assert_eq!(name.as_deref(), Some("Pat \u{1F44D}\u{1F3FD}"));
}

/// A JSON body over the API's cap answers 413 problem+json and stores nothing; a note at
/// the longest the form allows, in four-byte characters, still fits.
async fn the_api_caps_json_bodies(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let big = json!({"kind": "thanks", "rep_handle": "maria", "body": "x".repeat(64 * 1024)});
    let res = app
        .client
        .post(app.url("/api/v1/feedback"))
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "payload_too_large");
    assert_eq!(problem["status"], 413);
    let stored: i64 = feedback::table
        .count()
        .get_result(&mut app.pool.get().unwrap())
        .unwrap();
    assert_eq!(stored, 0);
    let longest = json!({"kind": "thanks", "rep_handle": "maria",
                         "customer": {"name": "Pat Doe", "email": "pat@example.com"},
                         "body": "\u{1F600}".repeat(heard::domain::FeedbackBody::MAX_CHARS)});
    let res = app
        .client
        .post(app.url("/api/v1/feedback"))
        .json(&longest)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

backend_tests!(
    digests_lose_the_words_of_an_erased_note,
    eml_copies_are_private_and_go_with_the_note,
    an_email_erased_mid_send_loses_its_claim,
    retention_removes_the_eml_copies_too,
    the_export_names_the_rep_only_as_the_receipt_page_does,
    invisible_characters_are_refused_and_emoji_kept,
    the_api_caps_json_bodies,
);

/// The real binary, with its log in a file: receipt, invitation, reset and setup tokens
/// never reach the log; the data directory it creates is 0700, the database, its WAL and
/// the `.eml` files 0600.
#[cfg(unix)]
#[tokio::test]
async fn tokens_stay_out_of_the_log_and_files_stay_private() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("fresh").join("data");
    let log_path = root.path().join("heard.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_heard"));
    for (key, _) in std::env::vars() {
        if key.starts_with("HEARD_") {
            cmd.env_remove(key);
        }
    }
    let mut child = cmd
        .arg("serve")
        .env(
            "HEARD_DATABASE_URL",
            format!("sqlite://{}", data.join("heard.db").display()),
        )
        .env("HEARD_BIND", "127.0.0.1:0")
        .env("HEARD_DATA_DIR", &data)
        .env("HEARD_SECRET_KEY", TEST_SECRET)
        .env("HEARD_RATE_LIMIT_PER_MINUTE", "0")
        .env("HEARD_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .current_dir(root.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("start heard");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("heard exited before listening")
            .unwrap();
        if let Some(rest) = line.strip_prefix("Heard is listening on ") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let client = crate::processes::client();
    let res = client
        .post(format!("{address}/api/v1/feedback"))
        .json(
            &json!({"kind": "thanks", "customer": {"name": "Pat Doe", "email": "pat@example.com"},
                      "body": "Thanks to whoever answered.", "consent": {"publish": false}}),
        )
        .send()
        .await
        .unwrap();
    let created: Value = res.json().await.unwrap();
    let url = created["receipt_url"].as_str().expect("a receipt URL");
    let receipt = &url[url.find("/receipt/").unwrap()..];
    let token = receipt.trim_start_matches("/receipt/").to_owned();
    assert!(token.len() >= 32);
    let other = "6f1e0c9b8a7d6c5b4a3f2e1d0c9b8a7f";
    for path in [
        receipt.to_owned(),
        format!("{receipt}/export.json"),
        format!("/invite/{other}"),
        format!("/password/reset/{other}"),
        format!("/setup?token={other}"),
    ] {
        let res = client.get(format!("{address}{path}")).send().await.unwrap();
        assert!(res.status().as_u16() < 500, "{path}: {}", res.status());
    }

    // The worker writes the receipt email as a file; wait for it (a bounded poll on a
    // separate process, not a guess at how long it takes).
    let outbox = data.join("outbox");
    let deadline = Instant::now() + Duration::from_secs(30);
    while eml_files(&outbox).is_empty() {
        assert!(Instant::now() < deadline, "no .eml file was written");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(data.parent().unwrap()), 0o700);
    assert_eq!(mode(&outbox), 0o700);
    for suffix in ["", "-wal", "-shm"] {
        let path = PathBuf::from(format!("{}{suffix}", data.join("heard.db").display()));
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
    for file in eml_files(&outbox) {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }

    let stopped = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    assert!(child.wait().unwrap().success());
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("/receipt/[redacted]/export.json"), "{log}");
    assert!(log.contains("/invite/[redacted]"), "{log}");
    assert!(log.contains("/password/reset/[redacted]"), "{log}");
    assert!(log.contains("/setup?token=[redacted]"), "{log}");
    assert!(!log.contains(&token), "the receipt token was logged");
    assert!(!log.contains(other), "a token was logged");
}
