//! Privacy and abuse hardening: a repeat never hands out someone else's receipt link,
//! idempotency keys belong to their client, receipt links rotate, receipts are capped per
//! address, form tokens work once, other sites cannot post forms, nobody can lock staff out,
//! a stalled export cannot starve the pool, and reps see complaints only as the setting says.

use std::time::Duration;

use chrono::Duration as Span;
use diesel::prelude::*;
use heard::db::schema::{audit_log, outbox, reset_requests};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::backend_tests;
use crate::helpers::builders::{StoredNotes, backdate_notes, seed_org, set_setting};
use crate::helpers::cases::step;
use crate::helpers::mail::receipts_to;
use crate::helpers::notes::{
    Note, count_notes, fresh_token, post_form, receipt_path, set_field, thanks_form,
};
use crate::helpers::staff::{
    PASSWORD, cookie_from, request_reset, set_passwords, sign_in_as, signed_in,
};
use crate::helpers::{
    Backend, TestApp, browser, fill_in, form_token, page_as, spawn_app, spawn_app_with,
    trust_loopback_proxy,
};

const WAIT: Duration = Duration::from_secs(10);

fn note(body: &str) -> Value {
    json!({
        "kind": "thanks",
        "rep_handle": "maria",
        "customer": {"name": "Pat Doe", "email": "pat@example.com"},
        "body": body,
        "consent": {"publish": true, "display": "first"},
    })
}

/// Posts a note through the API as if from `ip` (the app trusts loopback as a proxy).
async fn post_from(app: &TestApp, ip: &str, body: &Value, key: Option<&str>) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url("/api/v1/feedback"))
        .header("x-forwarded-for", ip)
        .json(body);
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    req.send().await.unwrap()
}

async fn behind_proxy(backend: Backend) -> TestApp {
    let app = spawn_app_with(backend, trust_loopback_proxy).await;
    seed_org(&app);
    app
}

async fn a_repeat_never_hands_out_the_receipt_link(backend: Backend) {
    let app = behind_proxy(backend).await;
    let body = note("Maria untangled my bill in five minutes.");
    let first = post_from(&app, "198.51.100.1", &body, None).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let link = first["receipt_url"].as_str().unwrap().to_owned();
    let token = link.rsplit('/').next().unwrap().to_owned();

    // A stranger (or a rep reading a complaint about themselves) sends the same words.
    let stranger = post_from(&app, "203.0.113.66", &body, None).await;
    assert_eq!(stranger.status(), 200);
    let text = stranger.text().await.unwrap();
    assert!(
        !text.contains(&token) && !text.contains("/receipt/"),
        "{text}"
    );
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer["reference"], first["reference"]);
    assert_eq!(answer["duplicate"], true);
    assert_eq!(answer["receipt_resent"], true);
    // The receipt went again, to the note's own address, not to whoever asked.
    let receipts = receipts_to(&app, "pat@example.com");
    assert_eq!(receipts.len(), 2);
    assert!(receipts[1].contains(&token));
    // And only once an hour.
    let again: Value = post_from(&app, "203.0.113.67", &body, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["receipt_resent"], false);
    assert_eq!(receipts_to(&app, "pat@example.com").len(), 2);
    assert_eq!(count_notes(&app), 1);
}

async fn idempotency_keys_belong_to_their_client_and_expire(backend: Backend) {
    let app = behind_proxy(backend).await;
    let body = note("Maria called me back as promised.");
    let first = post_from(&app, "198.51.100.1", &body, Some("k-1")).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let mine = post_from(&app, "198.51.100.1", &body, Some("k-1")).await;
    assert_eq!(mine.status(), 201);
    assert_eq!(mine.headers()["idempotent-replayed"], "true");
    assert_eq!(mine.json::<Value>().await.unwrap(), first);

    // Another client with the same key gets nothing of the first note's.
    let theirs = post_from(&app, "203.0.113.9", &body, Some("k-1")).await;
    assert_eq!(theirs.status(), 200, "a content repeat, not a replay");
    let theirs: Value = theirs.json().await.unwrap();
    assert!(theirs.get("receipt_url").is_none());
    let own_note = post_from(&app, "203.0.113.9", &note("A different note."), Some("k-1")).await;
    assert_eq!(own_note.status(), 201, "the key is theirs to use");

    // The first client's key with other words: a 422 that reveals nothing.
    let clash = post_from(&app, "198.51.100.1", &note("Other words."), Some("k-1")).await;
    assert_eq!(clash.status(), 422);
    let clash = clash.text().await.unwrap();
    assert!(!clash.contains(first["reference"].as_str().unwrap()));
    assert!(!clash.contains("/receipt/"));
    assert_eq!(count_notes(&app), 2);

    // A day later the key is forgotten (and the words are no longer a repeat).
    backdate_notes(&app, Span::hours(25));
    let later = post_from(&app, "198.51.100.1", &body, Some("k-1")).await;
    assert_eq!(later.status(), 201);
    assert!(later.headers().get("idempotent-replayed").is_none());
    let later: Value = later.json().await.unwrap();
    assert_ne!(later["id"], first["id"]);
    assert_eq!(count_notes(&app), 3);
}

async fn receipt_links_rotate_and_the_old_one_stops_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let res = post_form(&app, &thanks_form(&fresh_token(&app).await)).await;
    let old = receipt_path(&res);
    let page = app.get(&old).await.text().await.unwrap();
    assert!(page.contains("Get a new private link"));
    let res = app
        .client
        .post(app.url(&format!("{old}/rotate")))
        .form(&[("form_token", form_token(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let fresh = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(fresh.ends_with("?rotated=emailed"), "{fresh}");
    let fresh_path = fresh.split('?').next().unwrap();
    assert_ne!(fresh_path, old);
    assert_eq!(app.get(&old).await.status(), 404, "the old link is dead");
    assert_eq!(app.get(&format!("{old}/export.json")).await.status(), 404);
    let page = app.get(&fresh).await.text().await.unwrap();
    assert!(page.contains("Your note has a new private link"));
    assert!(page.contains("We've emailed the new link to you"));
    // The customer's mailbox gets the new link (and the old one is in no new email).
    let receipts = receipts_to(&app, "pat@example.com");
    assert_eq!(receipts.len(), 2);
    assert!(receipts[1].contains(fresh_path));
}

async fn receipts_to_one_address_are_capped(backend: Backend) {
    let app = behind_proxy(backend).await;
    for n in 0..5 {
        let res = post_from(
            &app,
            &format!("198.51.100.{n}"),
            &json!({"kind": "thanks", "rep_handle": "maria", "body": format!("Thanks, number {n}."),
                    "customer": {"name": "Victim", "email": "victim@example.com"}}),
            None,
        )
        .await;
        assert_eq!(res.status(), 201);
    }
    assert_eq!(count_notes(&app), 5, "every note is kept");
    assert_eq!(
        receipts_to(&app, "victim@example.com").len(),
        heard::store::intake::RECEIPTS_PER_ADDRESS_HOUR as usize
    );
}

async fn public_form_tokens_work_once(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let tok = fresh_token(&app).await;
    assert_eq!(post_form(&app, &thanks_form(&tok)).await.status(), 303);
    let mut other = thanks_form(&tok);
    set_field(&mut other, "body", "Another note on a replayed form.");
    let res = post_form(&app, &other).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("already sent"));
    assert_eq!(count_notes(&app), 1);
}

async fn other_sites_cannot_post_forms(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let page = app.get("/feedback/new").await.text().await.unwrap();
    for (name, value) in [
        ("sec-fetch-site", "cross-site"),
        ("origin", "https://evil.example"),
    ] {
        let res = app
            .client
            .post(app.url("/feedback"))
            .header(name, value)
            .form(&thanks_form(&form_token(&page)))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{name}: {value}");
        let res = app
            .client
            .post(app.url("/login"))
            .header(name, value)
            .form(&[("email", "grace@example.com"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "login {name}: {value}");
    }
    assert_eq!(count_notes(&app), 0);
    // This site's own pages may.
    let res = app
        .client
        .post(app.url("/feedback"))
        .header("sec-fetch-site", "same-origin")
        .header("origin", &app.address)
        .form(&thanks_form(&form_token(&page)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
}

async fn the_login_token_belongs_to_the_browser_that_loaded_it(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    // An attacker loads the form in their browser and plants its token in the victim's.
    let attacker = app.get("/login").await.text().await.unwrap();
    let victim = browser();
    victim.get(app.url("/login")).send().await.unwrap();
    for client in [&victim, &browser()] {
        let res = client
            .post(app.url("/login"))
            .form(&[
                ("email", "grace@example.com"),
                ("password", PASSWORD),
                ("form_token", form_token(&attacker).as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        assert!(
            res.headers()
                .get("set-cookie")
                .is_none_or(|c| { !c.to_str().unwrap().contains("heard_session=") })
        );
    }
    let (_, ok) = sign_in_as(&app, "grace@example.com", PASSWORD).await;
    assert_eq!(ok.status(), 303, "with its own token the browser signs in");
}

async fn next_with_control_characters_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    assert_eq!(
        app.get("/login?next=/staff%0d%0aX-Evil:%201")
            .await
            .status(),
        400
    );
    let fields = [
        ("email", "grace@example.com"),
        ("password", PASSWORD),
        ("next", "/staff\r\nSet-Cookie: evil=1"),
    ];
    let res = fill_in(&app, &browser(), None, "/login", "/login", &fields).await;
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("set-cookie").is_none());
    let sign_ins: i64 = audit_log::table
        .filter(audit_log::action.eq("staff.sign_in"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(
        sign_ins, 0,
        "no audit entry for a sign-in that did not happen"
    );
}

async fn forgot_password_queues_the_same_work_for_everyone(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let mut answers = Vec::new();
    for email in ["maria@example.com", "nobody@example.com"] {
        let res = request_reset(&app, &app.client, email).await;
        answers.push((res.status(), res.text().await.unwrap()));
    }
    assert_eq!(answers[0], answers[1]);
    let conn = &mut app.conn();
    let waiting: i64 = reset_requests::table.count().get_result(conn).unwrap();
    assert_eq!(waiting, 2, "both requests are queued alike");
    let resets = |conn: &mut heard::db::DbConn| -> i64 {
        outbox::table
            .filter(outbox::template.eq("password_reset"))
            .count()
            .get_result(conn)
            .unwrap()
    };
    assert_eq!(resets(conn), 0, "no account work on the request path");
    app.worker.drain().await.unwrap();
    assert_eq!(resets(conn), 1);
    let waiting: i64 = reset_requests::table.count().get_result(conn).unwrap();
    assert_eq!(waiting, 0);
}

/// Opens a connection that asks for an export and reads only the response head.
async fn stalled_export(app: &TestApp, cookie: &str) -> tokio::net::TcpStream {
    let host = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request =
        format!("GET /staff/export/notes.csv HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(WAIT * 6, stream.read(&mut byte))
            .await
            .expect("the export answers")
            .unwrap();
        assert_eq!(n, 1, "the connection stays open");
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    // From here on nothing is read: the client has stalled.
    stream
}

async fn stalled_exports_do_not_take_the_service_down(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    // Enough rows that an export far outgrows the socket buffers.
    let words = "Thank you for staying with me until the router worked again. ".repeat(6);
    StoredNotes::thanks(60_000, &words).insert(&app);
    let (_, res) = sign_in_as(&app, "priya@example.com", PASSWORD).await;
    let cookie = cookie_from(&res);
    let mut stalled = Vec::new();
    for _ in 0..8 {
        stalled.push(stalled_export(&app, &cookie).await);
    }
    let quick = reqwest::Client::builder().timeout(WAIT).build().unwrap();
    let health = quick.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let wall = quick.get(app.url("/wall")).send().await.unwrap();
    assert_eq!(wall.status(), 200);
    let created = quick
        .post(app.url("/api/v1/feedback"))
        .json(&note("Still answering while exports stall."))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    drop(stalled);
}

async fn reps_see_complaints_only_once_acknowledged_when_set(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    set_setting(&app, "complaint_to_rep_at_once", 0);
    let words = "Maria hung up on me twice.";
    let id = Note::complaint("maria", words).send(&app).await.id;
    let maria = signed_in(&app, "maria@example.com").await;
    let look = async |path: String| page_as(&maria, &app, &path).await;
    for path in [
        "/staff",
        "/staff?kind=complaint",
        "/staff/cases",
        "/staff/stats",
    ] {
        let (status, page) = look(path.to_owned()).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            !page.contains(words),
            "{path} shows the complaint too early"
        );
        assert!(
            !page.contains(&id),
            "{path} links to the complaint too early"
        );
    }
    let (status, _) = look(format!("/staff/notes/{id}")).await;
    assert_eq!(status, 404);
    let stats = heard::store::stats::compute(
        &mut app.conn(),
        &heard::store::stats::Subject::Rep(
            heard::db::ids::StaffId::parse(&app.staff_id("maria")).unwrap(),
            heard::store::inbox::OpenComplaints::Hidden,
        ),
        heard::store::now(),
        false,
    )
    .unwrap();
    assert_eq!((stats.cases.opened, stats.complaints_total), (0, 0));

    let grace = signed_in(&app, "grace@example.com").await;
    let res = step(&app, &grace, &id, &[("step", "acknowledge")]).await;
    assert_eq!(res.status(), 303);
    let (status, page) = look("/staff".to_owned()).await;
    assert_eq!(status, 200);
    assert!(page.contains(&id), "acknowledged: now Maria sees it");
    let (status, page) = look(format!("/staff/notes/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(words));
    let (_, page) = look("/staff/cases".to_owned()).await;
    assert!(page.contains(&id));
}

backend_tests!(
    a_repeat_never_hands_out_the_receipt_link,
    idempotency_keys_belong_to_their_client_and_expire,
    receipt_links_rotate_and_the_old_one_stops_at_once,
    receipts_to_one_address_are_capped,
    public_form_tokens_work_once,
    other_sites_cannot_post_forms,
    the_login_token_belongs_to_the_browser_that_loaded_it,
    next_with_control_characters_is_refused,
    forgot_password_queues_the_same_work_for_everyone,
    stalled_exports_do_not_take_the_service_down,
    reps_see_complaints_only_once_acknowledged_when_set,
);
