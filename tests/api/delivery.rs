//! Delivery never loses a note: accepted notes' emails reach a real SMTP server through
//! outages, crashed workers, temporary and permanent refusals, and competing workers.

use std::time::Duration;

use chrono::Duration as Span;
use diesel::prelude::*;
use heard::db::schema::outbox;
use heard::mail::worker::MailWorker;

use crate::backend_tests;
use crate::helpers::builders::seed_org;
use crate::helpers::mail::text_part;
use crate::helpers::notes::{erase_from_receipt, receipt_path, send_by_form};
use crate::helpers::{Backend, TestApp, spawn_app, spawn_app_with};
use crate::smtp::SmtpServer;

const WAIT: Duration = Duration::from_secs(10);

async fn send_note(app: &TestApp, body: &str) {
    send_note_from(app, body, "pat@example.com").await;
}

async fn send_note_from(app: &TestApp, body: &str, email: &str) {
    let sent = send_by_form(app, &[("body", body), ("customer_email", email)]).await;
    assert_eq!(sent.status(), 303);
}

fn statuses(app: &TestApp) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = outbox::table
        .select((outbox::recipient, outbox::status))
        .load(&mut app.conn())
        .unwrap();
    rows.sort();
    rows
}

fn later(minutes: i64) -> chrono::NaiveDateTime {
    heard::store::now() + Span::minutes(minutes)
}

async fn accepted_notes_are_delivered_with_stable_message_ids(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    send_note(&app, "Thank you, Maria — ça marche enfin !").await;
    let report = app.worker.drain().await.unwrap();
    assert_eq!((report.sent, report.retried, report.dead), (3, 0, 0));
    let mails = app.smtp.wait_for(3, WAIT);
    let queued: Vec<(String, String)> = outbox::table
        .select((outbox::id, outbox::body_text))
        .load::<(heard::db::ids::OutboxId, String)>(&mut app.conn())
        .unwrap()
        .into_iter()
        .map(|(id, text)| (format!("Message-ID: <{id}@127.0.0.1>"), text))
        .collect();
    let mut quoting = 0;
    for mail in &mails {
        let (_, text) = queued
            .iter()
            .find(|(id, _)| mail.data.contains(id.as_str()))
            .unwrap_or_else(|| panic!("no outbox row's Message-ID in {}", mail.data));
        assert!(mail.data.contains("Content-Type: multipart/alternative"));
        // The words arrive as written, accents and dashes included, once decoded.
        let sent = text_part(&mail.data);
        assert_eq!(sent.trim_end(), text.trim_end(), "{}", mail.data);
        quoting += usize::from(sent.contains("Thank you, Maria — ça marche enfin !"));
    }
    assert_eq!(
        quoting, 2,
        "the rep's and the manager's emails quote the note"
    );
    assert!(statuses(&app).iter().all(|(_, s)| s == "sent"));
    assert_eq!(
        app.worker.drain().await.unwrap().sent,
        0,
        "nothing is sent twice"
    );
}

async fn notes_survive_an_smtp_outage(backend: Backend) {
    // A port that is free and stays closed: the mail server is down.
    let port = crate::helpers::port_outside_the_ephemeral_range();
    let app = spawn_app_with(backend, |a| {
        a.smtp_url = Some(format!("smtp://127.0.0.1:{port}?tls=none"));
    })
    .await;
    seed_org(&app);
    send_note(&app, "Sent while the mail server was down.").await;
    send_note(&app, "Sent while it was still down.").await;
    let report = app.worker.drain().await.unwrap();
    assert_eq!((report.sent, report.retried), (0, 6));
    assert!(statuses(&app).iter().all(|(_, s)| s == "pending"));

    let smtp = SmtpServer::start_on(port);
    // Not due yet: the backoff holds.
    assert_eq!(app.worker.drain().await.unwrap().sent, 0);
    let report = app.worker.drain_at(later(60)).await.unwrap();
    assert_eq!(report.sent, 6);
    assert_eq!(smtp.wait_for(6, WAIT).len(), 6);
    assert!(statuses(&app).iter().all(|(_, s)| s == "sent"));
}

async fn a_crashed_worker_releases_its_rows_when_the_lease_ends(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    send_note(&app, "Claimed by a worker that then died.").await;
    // A worker claims the rows and dies before sending.
    let lease = app.worker.config.lease;
    let mut conn = app.conn();
    let claimed = heard::store::outbox::claim(&mut conn, heard::store::now(), lease, 10).unwrap();
    assert_eq!(claimed.len(), 3);
    drop(conn);
    assert_eq!(app.worker.drain().await.unwrap().sent, 0, "the lease holds");
    let after_lease = heard::store::now() + lease + Span::seconds(1);
    assert_eq!(app.worker.drain_at(after_lease).await.unwrap().sent, 3);
    assert_eq!(app.smtp.wait_for(3, WAIT).len(), 3);
    assert_eq!(app.smtp.count(), 3, "each email once");
}

async fn temporary_refusals_retry_and_permanent_ones_die_alone(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    app.smtp
        .reply_to_rcpt("maria@example.com", "451 4.3.0 Mailbox busy, try later");
    app.smtp
        .reply_to_rcpt("grace@example.com", "550 5.1.1 No such user here");
    send_note(&app, "One of these recipients is busy, one does not exist.").await;
    let report = app.worker.drain().await.unwrap();
    assert_eq!((report.sent, report.retried, report.dead), (1, 1, 1));
    assert_eq!(
        statuses(&app),
        vec![
            ("grace@example.com".into(), "dead".into()),
            ("maria@example.com".into(), "pending".into()),
            ("pat@example.com".into(), "sent".into()),
        ]
    );
    let error: Option<String> = outbox::table
        .filter(outbox::recipient.eq("grace@example.com"))
        .select(outbox::last_error)
        .first(&mut app.conn())
        .unwrap();
    assert!(
        error.unwrap().contains("No such user"),
        "the server's reply is kept for admins"
    );

    app.smtp.clear_replies();
    let report = app.worker.drain_at(later(60)).await.unwrap();
    assert_eq!((report.sent, report.dead), (1, 0));
    let attempts: i32 = outbox::table
        .filter(outbox::recipient.eq("maria@example.com"))
        .select(outbox::attempts)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(attempts, 2);
}

async fn rows_keep_retrying_until_the_limit(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    app.smtp
        .reply_to_rcpt("maria@example.com", "452 4.2.2 Mailbox full");
    send_note(&app, "Maria's mailbox is full for good.").await;
    let max = app.worker.config.max_attempts;
    for hour in 0..max {
        app.worker
            .drain_at(later(i64::from(hour) * 600))
            .await
            .unwrap();
    }
    let (status, attempts): (String, i32) = outbox::table
        .filter(outbox::recipient.eq("maria@example.com"))
        .select((outbox::status, outbox::attempts))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!((status.as_str(), attempts), ("dead", max));
}

async fn competing_workers_send_each_email_once(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    // One address per note: receipts to one address are capped per hour.
    for n in 0..12 {
        send_note_from(
            &app,
            &format!("Thank you, note {n}."),
            &format!("pat{n}@example.com"),
        )
        .await;
    }
    // A second instance's worker, with its own pool, on the same database.
    let other_pool = heard::db::build_pool(&app.settings.database).unwrap();
    let mailer = heard::mail::Mailer::from_settings(&app.settings).unwrap();
    let other = MailWorker::new(other_pool, &app.settings, mailer, Default::default()).unwrap();
    let (a, b) = tokio::join!(app.worker.drain(), other.drain());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.sent + b.sent, 36);
    let mails = app.smtp.wait_for(36, WAIT);
    let mut ids: Vec<&str> = mails
        .iter()
        .filter_map(|m| m.data.lines().find(|l| l.starts_with("Message-ID:")))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 36, "no email was sent twice");
}

async fn the_running_worker_wakes_when_a_note_is_accepted(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let mut config = app.worker.config.clone();
    config.tick = Duration::from_secs(3600);
    let worker = app.worker.clone().with_config(config);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(worker.run(stopped));
    send_note(&app, "Delivered without waiting for a timer.").await;
    // Wait off the runtime: the worker runs on it. Past the digest hour, the worker's
    // schedule may also send Grace the day's moderation digest; that one is not counted.
    let mut n = 3;
    loop {
        let mails = app.smtp.wait_for_async(n, WAIT).await;
        let about_the_note = mails
            .iter()
            .filter(|m| m.data.contains("Delivered without waiting"))
            .count();
        if about_the_note >= 2
            && mails
                .iter()
                .any(|m| m.to.iter().any(|t| t == "pat@example.com"))
        {
            break;
        }
        n += 1;
    }
    stop.send(true).unwrap();
    tokio::time::timeout(WAIT, running).await.unwrap().unwrap();
}

async fn erased_notes_are_never_sent(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let res = send_by_form(&app, &[]).await;
    erase_from_receipt(&app, &receipt_path(&res)).await;
    assert_eq!(app.worker.drain().await.unwrap(), Default::default());
    assert_eq!(app.smtp.count(), 0);
}

backend_tests!(
    accepted_notes_are_delivered_with_stable_message_ids,
    notes_survive_an_smtp_outage,
    a_crashed_worker_releases_its_rows_when_the_lease_ends,
    temporary_refusals_retry_and_permanent_ones_die_alone,
    rows_keep_retrying_until_the_limit,
    competing_workers_send_each_email_once,
    the_running_worker_wakes_when_a_note_is_accepted,
    erased_notes_are_never_sent,
);
