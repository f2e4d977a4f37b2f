//! Every email Heard sends, rendered by the real flows that send it and compared with a
//! reviewed snapshot (`tests/api/snapshots/`), with times, tokens, ids and the port
//! redacted. Also: no value can add a header to a message.

use std::time::Duration;

use chrono::Duration as Span;
use diesel::prelude::*;
use heard::config::Secret;
use heard::db::ids::{NoteId, StaffId, StoryId};
use heard::db::schema::{outbox, staff, stories};
use heard::domain::Role;
use heard::store::cases::{self, Acting, Step};
use heard::store::inbox::Scope;
use heard::store::moderation::{self, MailContext, Publication};
use heard::store::note_facts::Links;
use serde_json::json;

use crate::backend_tests;
use crate::helpers::builders::seed_org;
use crate::helpers::cases::rep_replies;
use crate::helpers::notes::Note;
use crate::helpers::{Backend, TEST_SECRET, TestApp, spawn_app};
use crate::schedule::next_monday;

fn person(app: &TestApp, handle: &str) -> heard::store::staff::Staff {
    staff::table
        .filter(staff::handle.eq(handle))
        .select(heard::store::staff::Staff::as_select())
        .first(&mut app.conn())
        .unwrap()
}

fn story_of(app: &TestApp, note: &NoteId) -> StoryId {
    stories::table
        .filter(stories::note_id.eq(note))
        .select(stories::id)
        .first(&mut app.conn())
        .unwrap()
}

/// Makes every kind of email the way the app does.
async fn send_one_of_each(app: &TestApp) {
    let secret = Secret::new(TEST_SECRET);
    let base = app.settings.base_url.clone();
    // Every customer was helped by phone two days ago.
    let helped = crate::helpers::days_ago(2);
    let thanks = Note::thanks(
        "maria",
        "Maria found a flight with wheelchair assistance for my mother.\nShe never rushed me.",
    )
    .customer("Pat Doe", "pat@example.com")
    .on(&helped, "phone")
    .publishable()
    .send(app)
    .await
    .note_id();
    let declined = Note::thanks("maria", "Thanks for the refund.")
        .customer("Lee Chan", "lee@example.com")
        .on(&helped, "phone")
        .publishable()
        .send(app)
        .await
        .note_id();
    let complaint = Note::complaint("maria", "I was cut off twice.")
        .customer("Ana Silva", "ana@example.com")
        .on(&helped, "phone")
        .send(app)
        .await
        .note_id();
    Note::thanks("maria", "The cat was on the power button!")
        .customer("Kim Lee", "kim@example.com")
        .on(&helped, "phone")
        .publishable()
        .send(app)
        .await;
    Note::thanks("sam", "Sam was great last year.")
        .customer("Jo Bloggs", "jo@example.com")
        .on(&helped, "phone")
        .send(app)
        .await;

    let mut c = app.conn();
    let (grace, maria, priya) = (
        person(app, "grace"),
        person(app, "maria"),
        person(app, "priya"),
    );
    let mail = MailContext {
        secret: &secret,
        base_url: &base,
    };
    let links = Links {
        secret: &secret,
        base_url: &base,
    };
    let publication = Publication {
        body: "Maria found a flight with wheelchair assistance for my mother.".into(),
        tags: vec!["kindness".into()],
        featured: false,
    };
    moderation::publish(
        &mut c,
        &Scope::All,
        &grace.id,
        &story_of(app, &thanks),
        &publication,
        &mail,
    )
    .unwrap();
    moderation::decline(
        &mut c,
        &Scope::All,
        &grace.id,
        &story_of(app, &declined),
        "It names another customer.",
        &mail,
    )
    .unwrap();
    heard::store::accounts::invite(&mut c, &maria, "Priya Natarajan", &base).unwrap();
    heard::store::accounts::request_reset(&mut c, "grace@example.com", &base).unwrap();
    let scope = Scope::All;
    let who = Acting {
        person: &priya,
        role: Role::Admin,
        scope: &scope,
    };
    rep_replies(
        app,
        "maria",
        &thanks,
        "It was my pleasure. I hope the trip went well!",
    );
    // Escalation first (the case must still be open), then the case's steps.
    drop(c);
    // Digests on the next Monday morning (the notes are from this week), escalation once
    // the complaint is overdue; then the case's steps.
    let monday = next_monday(9);
    let report = app.worker.run_schedule_at(monday).await.unwrap();
    assert_eq!((report.moderation_digests, report.weekly_digests), (1, 1));
    let overdue = heard::store::now() + Span::hours(49);
    app.worker.run_schedule_at(overdue).await.unwrap();
    let mut c = app.conn();
    let grace_id: StaffId = grace.id.clone();
    cases::apply(
        &mut c,
        &who,
        &complaint,
        &Step::Assign { to: grace_id },
        links,
    )
    .unwrap();
    cases::apply(
        &mut c,
        &who,
        &complaint,
        &Step::Acknowledge {
            message: Some("I'm sorry. I'm looking into it today.".into()),
        },
        links,
    )
    .unwrap();
    cases::apply(
        &mut c,
        &who,
        &complaint,
        &Step::Resolve {
            message: "We fixed a fault on the line and credited a month.".into(),
        },
        links,
    )
    .unwrap();
}

/// Times, dates, tokens, ids and the test server's port vary; everything else must not.
fn redacted(text: &str) -> String {
    let filters = [
        (r"https?://127\.0\.0\.1:\d+", "http://heard.test"),
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[id]",
        ),
        (r"\b[0-9a-f]{32,}\b", "[token]"),
        (r"\bH-[A-Z0-9]{5}\b", "[reference]"),
        (
            r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}(, \d{2}:\d{2})?",
            "[date]",
        ),
        (
            r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}",
            "[date]",
        ),
    ];
    let mut out = text.to_owned();
    for (pattern, with) in filters {
        out = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&out, with)
            .into_owned();
    }
    out
}

async fn every_email_matches_its_snapshot(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    send_one_of_each(&app).await;
    let rows: Vec<(String, String, String, Option<String>)> = outbox::table
        .order(outbox::created_at.asc())
        .select((
            outbox::template,
            outbox::subject,
            outbox::body_text,
            outbox::body_html,
        ))
        .load(&mut app.conn())
        .unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for (template, subject, text, html) in rows {
        if !seen.insert(template.clone()) {
            continue;
        }
        let whole = format!(
            "Subject: {subject}\n\n---- text ----\n{text}\n---- html ----\n{}",
            html.unwrap_or_default()
        );
        insta::assert_snapshot!(template.clone(), redacted(&whole));
    }
    let templates: Vec<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/email"))
            .unwrap()
            .map(|e| e.unwrap())
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
    for t in &templates {
        assert!(seen.contains(t), "no flow sent a {t} email");
    }
}

/// A name or subject carrying CR/LF cannot add a header or a recipient: the customer's
/// form refuses it, and even a row written straight into the outbox goes out harmless.
async fn no_value_can_inject_a_header(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let res = app
        .client
        .post(app.url("/api/v1/feedback"))
        .json(&json!({"kind": "thanks", "rep_handle": "maria",
                      "customer": {"name": "Eve\r\nBcc: evil@example.com", "email": "eve@example.com"},
                      "body": "Hi", "consent": {"publish": false, "display": "full"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let res = app
        .client
        .post(app.url("/api/v1/feedback"))
        .json(&json!({"kind": "thanks", "rep_handle": "maria",
                      "customer": {"name": "Eve", "email": "eve@example.com\r\nBcc: evil@example.com"},
                      "body": "Hi", "consent": {"publish": false, "display": "full"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let rendered = heard::mail::render::Rendered {
        subject: "Hello\r\nBcc: evil@example.com".into(),
        text: "Body".into(),
        html: "<p>Body</p>".into(),
    };
    let row = heard::store::outbox::NewMail::new(
        "test:injection".into(),
        "thanks_rep",
        None,
        "Eve\r\nBcc: evil@example.com",
        "eve@example.com",
        rendered,
    );
    heard::store::outbox::enqueue(&mut app.conn(), &[row]).unwrap();
    app.worker.drain().await.unwrap();
    let mails = app.smtp.wait_for(1, Duration::from_secs(10));
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to.len(), 1, "{:?}", mails[0].to);
    let headers = mails[0].data.split("\r\n\r\n").next().unwrap();
    assert!(
        !headers
            .lines()
            .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
        "{headers}"
    );
}

/// What a customer typed (their name, their words) never reaches a subject line, in any
/// email any flow sends: subjects are read in notification lists and previews.
async fn no_subject_carries_what_a_customer_typed(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    send_one_of_each(&app).await;
    let subjects: Vec<String> = outbox::table
        .select(outbox::subject)
        .load(&mut app.conn())
        .unwrap();
    assert!(subjects.len() >= 15, "{subjects:?}");
    let typed = [
        "Pat",
        "Doe",
        "Lee",
        "Chan",
        "Ana",
        "Silva",
        "Kim",
        "Bloggs",
        "Jo ",
        "wheelchair",
        "flight",
        "refund",
        "cut off",
        "power button",
        "last year",
    ];
    for subject in &subjects {
        for words in typed {
            assert!(
                !subject.contains(words),
                "{subject:?} carries {words:?}, which a customer typed"
            );
        }
    }
}

backend_tests!(
    no_value_can_inject_a_header,
    no_subject_carries_what_a_customer_typed
);

#[tokio::test]
async fn every_email_matches_its_snapshot_sqlite() {
    // The words do not depend on the database; one backend is enough for the snapshots.
    every_email_matches_its_snapshot(Backend::Sqlite).await;
}
