//! Recognition that adds up: stats pages with SVG charts and tables, the printable
//! portfolio, CSV exports within one's scope, and customers' data export and erasure.

use diesel::prelude::*;
use heard::db::schema::{audit_log, feedback, outbox, stories};
use serde_json::json;

use crate::backend_tests;
use crate::cases::send;
use crate::helpers::{Backend, TestApp, seed_org, spawn_app};
use crate::staff::{csrf, set_passwords, signed_in};

async fn text(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let res = client.get(app.url(path)).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

fn publish_all(app: &TestApp) {
    diesel::update(stories::table)
        .set((
            stories::status.eq("published"),
            stories::published_at.eq(heard::store::now()),
        ))
        .execute(&mut app.pool.get().unwrap())
        .unwrap();
}

async fn publishable(app: &TestApp, rep: &str, body: &str) {
    let res = app
        .client
        .post(app.url("/api/v1/feedback"))
        .json(&json!({"kind": "thanks", "rep_handle": rep, "customer": {"name": "Pat Doe", "email": "pat@example.com"},
                      "body": body, "consent": {"publish": true, "display": "first"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

fn team_id(app: &TestApp, name: &str) -> String {
    heard::db::schema::teams::table
        .filter(heard::db::schema::teams::name.eq(name))
        .select(heard::db::schema::teams::id)
        .first(&mut app.pool.get().unwrap())
        .unwrap()
}

async fn stats_count_what_each_person_may_see(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    publishable(&app, "maria", "Maria fixed it.").await;
    publishable(&app, "maria", "Maria again, wonderful.").await;
    send(&app, "complaint", "maria", Some("lee@example.com"), "Slow.").await;
    publishable(&app, "james", "James sorted the bill.").await;
    publish_all(&app);

    let maria = signed_in(&app, "maria@example.com").await;
    let (status, page) = text(&maria, &app, "/staff/stats").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<strong>2</strong> thank-yous"),
        "a rep sees their own"
    );
    assert!(page.contains("<svg") && page.contains("role=\"img\""));
    assert!(page.contains("2 thank-yous and 1 complaints in all"));
    assert!(
        page.contains("<th scope=\"row\">"),
        "a table beside each chart"
    );
    assert!(!page.contains("Most thanked"));

    let grace = signed_in(&app, "grace@example.com").await;
    let (_, page) = text(&grace, &app, "/staff/stats").await;
    assert!(
        page.contains("<strong>2</strong> thank-yous"),
        "Care only: {page}"
    );
    let billing = team_id(&app, "Billing");
    let (status, _) = text(&grace, &app, &format!("/staff/stats?team={billing}")).await;
    assert_eq!(status, 403, "another team's stats are refused");

    let priya = signed_in(&app, "priya@example.com").await;
    let (_, page) = text(&priya, &app, "/staff/stats").await;
    assert!(page.contains("<strong>3</strong> thank-yous"));
    let (_, page) = text(&priya, &app, &format!("/staff/stats?team={billing}")).await;
    assert!(page.contains("<strong>1</strong> thank-you<"));
    assert!(
        !page.contains("Most thanked"),
        "no ranking unless an admin turns it on"
    );
    heard::store::settings::set(&mut app.pool.get().unwrap(), "leaderboard", 1).unwrap();
    let (_, page) = text(&grace, &app, "/staff/stats").await;
    assert!(page.contains("Most thanked") && page.contains("Maria Lopez: 2"));
    let (_, page) = text(&maria, &app, "/staff/stats").await;
    assert!(!page.contains("Most thanked"), "reps never see a ranking");
}

async fn exports_stay_within_scope(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    send(
        &app,
        "thanks",
        "maria",
        Some("pat@example.com"),
        "=HYPERLINK(\"http://evil\")",
    )
    .await;
    send(
        &app,
        "complaint",
        "maria",
        Some("lee@example.com"),
        "Cut off twice.",
    )
    .await;
    send(
        &app,
        "thanks",
        "james",
        Some("kim@example.com"),
        "James was great.",
    )
    .await;
    let grace = signed_in(&app, "grace@example.com").await;
    let res = grace
        .get(app.url("/staff/export/notes.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let csv = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2, "Care's notes only: {csv}");
    assert!(!csv.contains("James was great"));
    assert!(csv.contains("'=HYPERLINK"), "formulas are defused");
    assert!(
        csv.contains("lee@example.com"),
        "a complaint's address, to answer it"
    );
    assert!(
        !csv.contains("pat@example.com"),
        "a thank-you's address stays private"
    );
    let cases = grace
        .get(app.url("/staff/export/cases.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(cases.lines().count(), 2, "{cases}");
    assert!(cases.contains(",open,"));

    let billing = team_id(&app, "Billing");
    let res = grace
        .get(app.url(&format!("/staff/export/notes.csv?team={billing}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let maria = signed_in(&app, "maria@example.com").await;
    assert_eq!(
        maria
            .get(app.url("/staff/export/notes.csv"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let exports: i64 = audit_log::table
        .filter(audit_log::action.eq("export.notes"))
        .count()
        .get_result(&mut app.pool.get().unwrap())
        .unwrap();
    assert_eq!(
        exports, 1,
        "each export is in the audit log; refused ones are not"
    );
}

async fn the_portfolio_gathers_a_reps_recognition(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    publishable(
        &app,
        "maria",
        "Maria found the flight with wheelchair help.",
    )
    .await;
    publish_all(&app);
    send(
        &app,
        "thanks",
        "maria",
        Some("ana@example.com"),
        "A private thank-you for Maria.",
    )
    .await;
    send(
        &app,
        "complaint",
        "maria",
        Some("lee@example.com"),
        "A complaint.",
    )
    .await;
    let maria = signed_in(&app, "maria@example.com").await;
    let (status, page) = text(&maria, &app, "/staff/portfolio").await;
    assert_eq!(status, 200);
    assert!(page.contains("wheelchair help"));
    assert!(page.contains("A private thank-you for Maria."));
    assert!(!page.contains("A complaint."), "only recognition");
    assert!(
        page.contains("Pat D."),
        "named as the customer chose on the wall"
    );
    assert!(!page.contains("ana@example.com"));
    assert!(page.contains("data-print"));
    let grace = signed_in(&app, "grace@example.com").await;
    assert_eq!(text(&grace, &app, "/staff/portfolio/maria").await.0, 200);
    assert_eq!(text(&grace, &app, "/staff/portfolio/james").await.0, 404);
    assert_eq!(text(&maria, &app, "/staff/portfolio/james").await.0, 404);
}

async fn customers_export_and_admins_erase_by_email(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let (_, receipt) = send(
        &app,
        "thanks",
        "maria",
        Some("pat@example.com"),
        "Pat's words about Maria.",
    )
    .await;
    send(
        &app,
        "complaint",
        "james",
        Some("pat@example.com"),
        "Pat's complaint about billing.",
    )
    .await;
    send(
        &app,
        "thanks",
        "maria",
        Some("kim@example.com"),
        "Kim's words.",
    )
    .await;

    let res = app
        .client
        .get(format!("{receipt}/export.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let data: serde_json::Value = res.json().await.unwrap();
    assert_eq!(data["words"], "Pat's words about Maria.");
    assert_eq!(data["you"]["email"], "pat@example.com");
    assert_eq!(data["emails_to_you"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.client
            .get(app.url(&format!("/receipt/{}/export.json", "0".repeat(64))))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    let priya = signed_in(&app, "priya@example.com").await;
    let token = csrf(&app, &priya).await;
    let res = priya
        .post(app.url("/staff/erasure"))
        .form(&[("csrf", token.as_str()), ("email", "not-an-address")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let res = priya
        .post(app.url("/staff/erasure"))
        .form(&[("csrf", token.as_str()), ("email", "PAT@example.com")])
        .send()
        .await
        .unwrap();
    let page = res.text().await.unwrap();
    assert!(page.contains("2 notes carry pat@example.com"), "{page}");
    let mut c = app.pool.get().unwrap();
    let left: i64 = feedback::table
        .filter(feedback::customer_email.eq("pat@example.com"))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(left, 2, "the first step only counts");
    let maria = signed_in(&app, "maria@example.com").await;
    let token_m = csrf(&app, &maria).await;
    let res = maria
        .post(app.url("/staff/erasure"))
        .form(&[
            ("csrf", token_m.as_str()),
            ("email", "pat@example.com"),
            ("confirm", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = priya
        .post(app.url("/staff/erasure"))
        .form(&[
            ("csrf", token.as_str()),
            ("email", "pat@example.com"),
            ("confirm", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.text().await.unwrap().contains("2 notes erased"));

    let traces: i64 = feedback::table
        .filter(
            feedback::customer_email
                .eq("pat@example.com")
                .or(feedback::body.like("Pat's%"))
                .or(feedback::customer_name
                    .is_not_null()
                    .and(feedback::customer_email.is_null())),
        )
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(traces, 0);
    let mail_traces: i64 = outbox::table
        .filter(
            outbox::recipient
                .eq("pat@example.com")
                .or(outbox::body_text.like("%Pat's%"))
                .or(outbox::body_html.like("%Pat&#x27;s%")),
        )
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(mail_traces, 0, "no copy in any email");
    let kim: i64 = feedback::table
        .filter(feedback::customer_email.eq("kim@example.com"))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(kim, 1, "other customers are untouched");
    let audit: Vec<(String, Option<String>, Option<String>)> = audit_log::table
        .filter(audit_log::action.eq("customer.erase"))
        .select((audit_log::action, audit_log::subject, audit_log::detail))
        .load(&mut c)
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert!(
        !format!("{audit:?}").contains("pat@"),
        "the log records that, not whom"
    );
    assert_eq!(app.client.get(&receipt).send().await.unwrap().status(), 200);
}

backend_tests!(
    stats_count_what_each_person_may_see,
    exports_stay_within_scope,
    the_portfolio_gathers_a_reps_recognition,
    customers_export_and_admins_erase_by_email,
);
