//! What admins run Heard with: the email outbox page (status counts, the server's answer,
//! sending a dead email again), `GET /metrics`, and the organisation settings.

use std::time::Duration;

use diesel::prelude::*;
use heard::db::ids::OutboxId;
use heard::db::schema::outbox;

use crate::backend_tests;
use crate::cases::send;
use crate::helpers::{Backend, TestApp, seed_org, spawn_app, spawn_app_with};
use crate::staff::{csrf, set_passwords, signed_in};

fn dead_row(app: &TestApp) -> OutboxId {
    outbox::table
        .filter(outbox::status.eq("dead"))
        .select(outbox::id)
        .first(&mut app.pool.get().unwrap())
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
    send(
        &app,
        "thanks",
        "maria",
        Some("pat@example.com"),
        "Thank you, Maria.",
    )
    .await;
    let report = app.worker.drain().await.unwrap();
    assert_eq!((report.sent, report.dead), (2, 1));

    let priya = signed_in(&app, "priya@example.com").await;
    let page = priya
        .get(app.url("/staff/outbox?status=dead"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
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
    assert_eq!(
        maria
            .get(app.url("/staff/outbox"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let id = dead_row(&app);
    let token = csrf(&app, &maria).await;
    let res = maria
        .post(app.url(&format!("/staff/outbox/{id}/retry")))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(dead_row(&app), id);

    // The admin sends it again once the address works.
    app.smtp.clear_replies();
    let token = csrf(&app, &priya).await;
    let res = priya
        .post(app.url(&format!("/staff/outbox/{id}/retry")))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(app.worker.drain().await.unwrap().sent, 1);
    let mails = app.smtp.wait_for(3, Duration::from_secs(10));
    assert!(
        mails
            .iter()
            .any(|m| m.to.iter().any(|t| t.contains("pat@example.com")))
    );
    // Sending a sent email "again" is refused.
    let token = csrf(&app, &priya).await;
    let res = priya
        .post(app.url(&format!("/staff/outbox/{id}/retry")))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
}

async fn settings_are_validated_and_take_effect(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let priya = signed_in(&app, "priya@example.com").await;
    let post = |fields: Vec<(&'static str, String)>| {
        let priya = priya.clone();
        let app_url = app.url("/staff/settings");
        async move { priya.post(app_url).form(&fields).send().await.unwrap() }
    };
    let token = csrf(&app, &priya).await;
    let res = post(vec![
        ("csrf", token.clone()),
        ("complaint_due_hours", "0".into()),
        ("complaint_retention_days", "x".into()),
    ])
    .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Enter a whole number from 1 to 720."));
    let mut c = app.pool.get().unwrap();
    assert_eq!(
        heard::store::settings::number(&mut c, heard::store::settings::COMPLAINT_DUE_HOURS)
            .unwrap(),
        48
    );

    let res = post(vec![
        ("csrf", token),
        ("complaint_due_hours", "4".into()),
        ("complaint_retention_days", "90".into()),
        ("reps_handle_cases", "on".into()),
    ])
    .await;
    assert_eq!(res.status(), 303);
    let s = |key| heard::store::settings::number(&mut app.pool.get().unwrap(), key).unwrap();
    assert_eq!(s(heard::store::settings::COMPLAINT_DUE_HOURS), 4);
    assert_eq!(s(heard::store::settings::COMPLAINT_RETENTION_DAYS), 90);
    assert_eq!(s(heard::store::settings::REPS_HANDLE_CASES), 1);
    assert_eq!(s(heard::store::settings::COMPLAINT_TO_REP_AT_ONCE), 0);
    // Reps may now handle their own complaints; and complaints reach them only once acknowledged.
    let (note, _) = send(&app, "complaint", "maria", Some("pat@example.com"), "Rude.").await;
    let to_maria = |app: &TestApp| -> i64 {
        outbox::table
            .filter(outbox::recipient.eq("maria@example.com"))
            .count()
            .get_result(&mut app.pool.get().unwrap())
            .unwrap()
    };
    assert_eq!(to_maria(&app), 0);
    let maria = signed_in(&app, "maria@example.com").await;
    let res = crate::cases::step(&app, &maria, &note, &[("step", "acknowledge")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(to_maria(&app), 1);
    assert_eq!(
        maria
            .get(app.url("/staff/settings"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
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
