//! Privacy guarantees: erasure reaches every copy of a customer's words (digests that quote
//! the note, `.eml` files), the customer's export names a rep only as the receipt page does,
//! and the files Heard writes are readable by its owner only.

use std::path::PathBuf;

use chrono::Duration as Span;
use diesel::prelude::*;
use heard::db::ids::{NoteId, OutboxId};
use heard::db::schema::outbox;
use serde_json::Value;

use crate::backend_tests;
use crate::helpers::builders::{member, seed_org, set_setting};
use crate::helpers::cases::{rep_replies, step};
#[cfg(unix)]
use crate::helpers::mail::mode;
use crate::helpers::mail::{eml_files, eml_text, mail_count_to};
use crate::helpers::notes::{Note, erase_from_receipt};
use crate::helpers::staff::{set_passwords, signed_in, staff_post};
use crate::helpers::{Backend, TestApp, spawn_app, spawn_app_with};
use crate::schedule::next_monday;

/// Sends a thank-you that may be published (so the daily digest lists it); its id and the
/// path of its receipt page.
async fn thanks(app: &TestApp, rep: &str, email: &str, words: &str) -> (NoteId, String) {
    let sent = Note::thanks(rep, words)
        .email(email)
        .publishable()
        .send(app)
        .await;
    (sent.note_id(), sent.receipt_path())
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
        .load(&mut app.conn())
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
        .load(&mut app.conn())
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
    let mut c = app.conn();
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
    let res = staff_post(
        &app,
        &priya,
        "/staff/erasure",
        &[("email", "lee@example.com"), ("confirm", "yes")],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(rows_quoting(&app, "Kilimanjaro"), vec![]);
    assert_eq!(mail_count_to(&app, "lee@example.com"), 0);
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
    let ids_of = |note: &NoteId| -> Vec<OutboxId> {
        outbox::table
            .filter(outbox::note_id.eq(note))
            .select(outbox::id)
            .load(&mut app.conn())
            .unwrap()
    };
    let file_of = |id: &OutboxId| dir.join(heard::mail::eml_file_name(id.as_str()));
    let all: Vec<OutboxId> = outbox::table
        .select(outbox::id)
        .load(&mut app.conn())
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
    let note = Note::complaint("maria", "My address is 1 Zanzibar Street.")
        .send(&app)
        .await
        .id;
    let grace = signed_in(&app, "grace@example.com").await;
    let res = step(
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
    set_setting(&app, "complaint_retention_days", 30);
    let later = heard::store::now() + Span::days(40);
    let at_nine = later.date().and_hms_opt(9, 0, 0).unwrap() + Span::days(1);
    let report = app.worker.run_schedule_at(at_nine).await.unwrap();
    assert_eq!(report.expired, 1);
    assert_eq!(quoting(), 0, "an .eml copy outlived the retention period");
    assert_eq!(rows_quoting(&app, "Zanzibar"), vec![]);
    let subjects: Vec<String> = outbox::table
        .filter(outbox::note_id.eq(&note))
        .select(outbox::subject)
        .load(&mut app.conn())
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
        heard::store::outbox::claim(&mut app.conn(), now, Span::seconds(120), 10).unwrap();
    assert_eq!(claimed.len(), 3);
    erase_from_receipt(&app, &receipt).await;
    let mut c = app.conn();
    for row in &claimed {
        let token = row.claim_token.clone().unwrap();
        assert!(!heard::store::outbox::mark_sent(&mut c, &row.id, &token, now).unwrap());
        assert!(heard::store::outbox::is_scrubbed(&mut c, &row.id).unwrap());
    }
    let statuses: Vec<String> = outbox::table
        .filter(outbox::note_id.eq(&note))
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
    rep_replies(&app, "maria", &note, "It was my pleasure.");
    let export = app
        .get(&format!("{receipt}/export.json"))
        .await
        .text()
        .await
        .unwrap();
    assert!(export.contains("Maria Lopez"), "named while she agrees");

    member(&app, "maria").declines_naming();
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

backend_tests!(
    digests_lose_the_words_of_an_erased_note,
    eml_copies_are_private_and_go_with_the_note,
    an_email_erased_mid_send_loses_its_claim,
    retention_removes_the_eml_copies_too,
    the_export_names_the_rep_only_as_the_receipt_page_does,
);
