//! What admins run Heard with: the email outbox page (status counts, the server's answer,
//! sending a dead email again), `GET /metrics`, and the organisation settings.

use std::time::Duration;

use diesel::prelude::*;
use heard::db::ids::OutboxId;
use heard::db::schema::outbox;

use crate::backend_tests;
use crate::helpers::builders::seed_org;
use crate::helpers::cases::step;
use crate::helpers::mail::mail_count_to;
use crate::helpers::notes::Note;
use crate::helpers::staff::{set_passwords, signed_in, staff_post};
use crate::helpers::{Backend, TestApp, page_as, spawn_app, spawn_app_with};

fn dead_row(app: &TestApp) -> OutboxId {
    outbox::table
        .filter(outbox::status.eq("dead"))
        .select(outbox::id)
        .first(&mut app.conn())
        .unwrap()
}

async fn admins_see_dead_emails_and_send_them_again(backend: Backend) {
    let app = spawn_app_with(backend, |a| a.metrics = Some("on".into())).await;
    seed_org(&app);
    set_passwords(&app);
    app.smtp.reply_to_rcpt(
        "pat@example.com",
        "550 5.1.1 <pat@example.com>: no such user here",
    );
    Note::thanks("maria", "Thank you, Maria.").send(&app).await;
    let report = app.worker.drain().await.unwrap();
    assert_eq!((report.sent, report.dead), (2, 1));

    let priya = signed_in(&app, "priya@example.com").await;
    let (status, page) = page_as(&priya, &app, "/staff/outbox?status=dead").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("no such user here"),
        "the server's answer is shown"
    );
    assert!(page.contains("Not delivered (1)") && page.contains("Sent (2)"));

    let metrics = app.get("/metrics").await;
    assert_eq!(metrics.status(), 200);
    assert!(
        metrics.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let metrics = metrics.text().await.unwrap();
    assert!(
        metrics.contains("heard_outbox_emails{status=\"dead\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("heard_outbox_emails{status=\"sent\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("heard_mail_send_results_total{result=\"sent\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("heard_mail_send_results_total{result=\"dead\"} 1"),
        "{metrics}"
    );
    assert!(!metrics.contains("pat@example.com"));

    // A rep may not see the outbox or retry anything.
    let maria = signed_in(&app, "maria@example.com").await;
    assert_eq!(page_as(&maria, &app, "/staff/outbox").await.0, 403);
    let id = dead_row(&app);
    let retry = format!("/staff/outbox/{id}/retry");
    assert_eq!(staff_post(&app, &maria, &retry, &[]).await.status(), 403);
    assert_eq!(dead_row(&app), id);

    // The admin sends it again once the address works.
    app.smtp.clear_replies();
    assert_eq!(staff_post(&app, &priya, &retry, &[]).await.status(), 303);
    assert_eq!(app.worker.drain().await.unwrap().sent, 1);
    let mails = app.smtp.wait_for(3, Duration::from_secs(10));
    assert!(
        mails
            .iter()
            .any(|m| m.to.iter().any(|t| t.contains("pat@example.com")))
    );
    // Sending a sent email "again" is refused.
    assert_eq!(staff_post(&app, &priya, &retry, &[]).await.status(), 409);
}

async fn settings_are_validated_and_take_effect(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let priya = signed_in(&app, "priya@example.com").await;
    let save =
        async |fields: &[(&str, &str)]| staff_post(&app, &priya, "/staff/settings", fields).await;
    let res = save(&[
        ("complaint_due_hours", "0"),
        ("complaint_retention_days", "x"),
    ])
    .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Enter a whole number from 1 to 720."));
    let mut c = app.conn();
    assert_eq!(
        heard::store::settings::number(&mut c, heard::store::settings::COMPLAINT_DUE_HOURS)
            .unwrap(),
        48
    );

    let res = save(&[
        ("complaint_due_hours", "4"),
        ("complaint_retention_days", "90"),
        ("reps_handle_cases", "on"),
    ])
    .await;
    assert_eq!(res.status(), 303);
    let s = |key| heard::store::settings::number(&mut app.conn(), key).unwrap();
    assert_eq!(s(heard::store::settings::COMPLAINT_DUE_HOURS), 4);
    assert_eq!(s(heard::store::settings::COMPLAINT_RETENTION_DAYS), 90);
    assert_eq!(s(heard::store::settings::REPS_HANDLE_CASES), 1);
    assert_eq!(s(heard::store::settings::COMPLAINT_TO_REP_AT_ONCE), 0);
    // Reps may now handle their own complaints; and complaints reach them only once acknowledged.
    let note = Note::complaint("maria", "Rude.").send(&app).await.id;
    assert_eq!(mail_count_to(&app, "maria@example.com"), 0);
    let maria = signed_in(&app, "maria@example.com").await;
    let res = step(&app, &maria, &note, &[("step", "acknowledge")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(mail_count_to(&app, "maria@example.com"), 1);
    assert_eq!(page_as(&maria, &app, "/staff/settings").await.0, 403);
}

/// `/metrics` is off the public address unless asked for: off by default, on the main
/// address with `HEARD_METRICS=on`, or alone on an address of its own.
async fn metrics_stay_off_the_public_address(backend: Backend) {
    let app = spawn_app(backend).await;
    assert!(app.metrics_address.is_none());
    assert_eq!(app.get("/metrics").await.status(), 404, "off by default");
    assert_eq!(app.get("/healthz").await.status(), 200);

    let app = spawn_app_with(backend, |a| a.metrics = Some("127.0.0.1:0".into())).await;
    assert_eq!(
        app.get("/metrics").await.status(),
        404,
        "not on the public address"
    );
    let private = app.metrics_address.clone().expect("a metrics listener");
    assert_ne!(private, app.address);
    let res = app
        .client
        .get(format!("{private}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    assert!(body.contains("# TYPE heard_outbox_emails gauge"), "{body}");
    for other in ["/", "/healthz", "/wall", "/api/v1/stories"] {
        let res = app
            .client
            .get(format!("{private}{other}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            404,
            "the metrics listener serves only /metrics: {other}"
        );
    }

    let app = spawn_app_with(backend, |a| a.metrics = Some("on".into())).await;
    assert_eq!(app.get("/metrics").await.status(), 200, "HEARD_METRICS=on");
}

backend_tests!(
    metrics_stay_off_the_public_address,
    admins_see_dead_emails_and_send_them_again,
    settings_are_validated_and_take_effect,
);
