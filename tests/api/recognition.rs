//! Recognition that adds up: stats pages with SVG charts and tables, the printable
//! portfolio, CSV exports within one's scope, and customers' data export and erasure.

use diesel::prelude::*;
use heard::db::schema::{audit_log, notes, outbox};

use crate::backend_tests;
use crate::helpers::builders::{every_story, seed_org, set_setting};
use crate::helpers::notes::{Note, Sent};
use crate::helpers::staff::{set_passwords, signed_in, staff_post};
use crate::helpers::{Backend, page_as, spawn_app};

async fn stats_count_what_each_person_may_see(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    Note::thanks("maria", "Maria fixed it.")
        .publishable()
        .send(&app)
        .await;
    Note::thanks("maria", "Maria again, wonderful.")
        .publishable()
        .send(&app)
        .await;
    Note::complaint("maria", "Slow.")
        .email("lee@example.com")
        .send(&app)
        .await;
    Note::thanks("james", "James sorted the bill.")
        .publishable()
        .send(&app)
        .await;
    every_story().publish(&app);

    let maria = signed_in(&app, "maria@example.com").await;
    let (status, page) = page_as(&maria, &app, "/staff/stats").await;
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
    let (_, page) = page_as(&grace, &app, "/staff/stats").await;
    assert!(
        page.contains("<strong>2</strong> thank-yous"),
        "Care only: {page}"
    );
    let billing = app.team_id("Billing");
    let (status, _) = page_as(&grace, &app, &format!("/staff/stats?team={billing}")).await;
    assert_eq!(status, 403, "another team's stats are refused");

    let priya = signed_in(&app, "priya@example.com").await;
    let (_, page) = page_as(&priya, &app, "/staff/stats").await;
    assert!(page.contains("<strong>3</strong> thank-yous"));
    let (_, page) = page_as(&priya, &app, &format!("/staff/stats?team={billing}")).await;
    assert!(page.contains("<strong>1</strong> thank-you<"));
    assert!(
        !page.contains("Most thanked"),
        "no ranking unless an admin turns it on"
    );
    set_setting(&app, "leaderboard", 1);
    let (_, page) = page_as(&grace, &app, "/staff/stats").await;
    assert!(page.contains("Most thanked") && page.contains("Maria Lopez: 2"));
    let (_, page) = page_as(&maria, &app, "/staff/stats").await;
    assert!(!page.contains("Most thanked"), "reps never see a ranking");
}

async fn exports_stay_within_scope(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    Note::thanks("maria", "=HYPERLINK(\"http://evil\")")
        .send(&app)
        .await;
    Note::complaint("maria", "Cut off twice.")
        .email("lee@example.com")
        .send(&app)
        .await;
    Note::thanks("james", "James was great.")
        .email("kim@example.com")
        .send(&app)
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
    let (_, cases) = page_as(&grace, &app, "/staff/export/cases.csv").await;
    assert_eq!(cases.lines().count(), 2, "{cases}");
    assert!(cases.contains(",open,"));

    let billing = app.team_id("Billing");
    let other_team = format!("/staff/export/notes.csv?team={billing}");
    assert_eq!(page_as(&grace, &app, &other_team).await.0, 403);
    let maria = signed_in(&app, "maria@example.com").await;
    assert_eq!(
        page_as(&maria, &app, "/staff/export/notes.csv").await.0,
        403
    );
    let exports: i64 = audit_log::table
        .filter(audit_log::action.eq("export.notes"))
        .count()
        .get_result(&mut app.conn())
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
    Note::thanks("maria", "Maria found the flight with wheelchair help.")
        .publishable()
        .send(&app)
        .await;
    every_story().publish(&app);
    Note::thanks("maria", "A private thank-you for Maria.")
        .email("ana@example.com")
        .send(&app)
        .await;
    Note::complaint("maria", "A complaint.")
        .email("lee@example.com")
        .send(&app)
        .await;
    let maria = signed_in(&app, "maria@example.com").await;
    let (status, page) = page_as(&maria, &app, "/staff/portfolio").await;
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
    assert_eq!(page_as(&grace, &app, "/staff/portfolio/maria").await.0, 200);
    assert_eq!(page_as(&grace, &app, "/staff/portfolio/james").await.0, 404);
    assert_eq!(page_as(&maria, &app, "/staff/portfolio/james").await.0, 404);
}

async fn customers_export_and_admins_erase_by_email(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let Sent { receipt, .. } = Note::thanks("maria", "Pat's words about Maria.")
        .send(&app)
        .await;
    Note::complaint("james", "Pat's complaint about billing.")
        .send(&app)
        .await;
    Note::thanks("maria", "Kim's words.")
        .email("kim@example.com")
        .send(&app)
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
    let erase = async |client: &reqwest::Client, fields: &[(&str, &str)]| {
        staff_post(&app, client, "/staff/erasure", fields).await
    };
    let res = erase(&priya, &[("email", "not-an-address")]).await;
    assert_eq!(res.status(), 422);
    let res = erase(&priya, &[("email", "PAT@example.com")]).await;
    let page = res.text().await.unwrap();
    assert!(page.contains("2 notes carry pat@example.com"), "{page}");
    let mut c = app.conn();
    let left: i64 = notes::table
        .filter(notes::customer_email.eq("pat@example.com"))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(left, 2, "the first step only counts");
    let maria = signed_in(&app, "maria@example.com").await;
    let confirmed = [("email", "pat@example.com"), ("confirm", "yes")];
    assert_eq!(erase(&maria, &confirmed).await.status(), 403);
    let res = erase(&priya, &confirmed).await;
    assert!(res.text().await.unwrap().contains("2 notes erased"));

    let traces: i64 = notes::table
        .filter(
            notes::customer_email
                .eq("pat@example.com")
                .or(notes::body.like("Pat's%"))
                .or(notes::customer_name
                    .is_not_null()
                    .and(notes::customer_email.is_null())),
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
    let kim: i64 = notes::table
        .filter(notes::customer_email.eq("kim@example.com"))
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
