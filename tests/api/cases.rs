//! Closing the loop on complaints: acknowledge, assign, comment and resolve, with the
//! customer emailed and the history on their receipt page; refusals change nothing; a
//! rep's reply to a thank-you goes through Heard; overdue cases escalate once.

use std::time::Duration;

use chrono::Duration as Span;
use diesel::prelude::*;
use heard::db::schema::{cases, feedback, note_events, outbox};
use serde_json::json;

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, seed_org, spawn_app};
use crate::staff::{csrf, set_passwords, signed_in};

const WAIT: Duration = Duration::from_secs(10);

/// Sends a note through the JSON API; returns (note id, receipt URL).
pub async fn send(
    app: &TestApp,
    kind: &str,
    rep: &str,
    email: Option<&str>,
    body: &str,
) -> (String, String) {
    let res = app
        .client
        .post(app.url("/api/v1/feedback"))
        .json(&json!({"kind": kind, "rep_handle": rep, "customer": {"name": "Pat Doe", "email": email},
                      "body": body, "consent": {"publish": false, "display": "first"}}))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let created: serde_json::Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{created}");
    (
        created["id"].as_str().unwrap().to_owned(),
        created["receipt_url"].as_str().unwrap().to_owned(),
    )
}

pub async fn step(
    app: &TestApp,
    client: &reqwest::Client,
    note: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let token = csrf(app, client).await;
    let mut form = vec![("csrf", token.as_str())];
    form.extend_from_slice(fields);
    client
        .post(app.url(&format!("/staff/notes/{note}/case")))
        .form(&form)
        .send()
        .await
        .unwrap()
}

fn case_status(app: &TestApp, note: &str) -> String {
    cases::table
        .filter(cases::feedback_id.eq(note))
        .select(cases::status)
        .first(&mut app.pool.get().unwrap())
        .unwrap()
}

fn templates_to(app: &TestApp, recipient: &str) -> Vec<String> {
    outbox::table
        .filter(outbox::recipient.eq(recipient))
        .order(outbox::created_at.asc())
        .select(outbox::template)
        .load(&mut app.pool.get().unwrap())
        .unwrap()
}

fn event_count(app: &TestApp, note: &str) -> i64 {
    note_events::table
        .filter(note_events::feedback_id.eq(note))
        .count()
        .get_result(&mut app.pool.get().unwrap())
        .unwrap()
}

async fn a_complaint_is_acknowledged_and_resolved_and_the_customer_hears_both(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let (note, receipt) = send(
        &app,
        "complaint",
        "maria",
        Some("pat@example.com"),
        "I was cut off twice.",
    )
    .await;
    let grace = signed_in(&app, "grace@example.com").await;

    let res = step(
        &app,
        &grace,
        &note,
        &[
            ("step", "acknowledge"),
            ("message", "I am sorry; I am looking into it today."),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(case_status(&app, &note), "acknowledged");
    let res = step(
        &app,
        &grace,
        &note,
        &[
            ("step", "comment"),
            ("message", "Line fault on our side, internal only."),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let res = step(
        &app,
        &grace,
        &note,
        &[
            ("step", "resolve"),
            ("message", "We fixed the line fault and credited a month."),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(case_status(&app, &note), "resolved");

    assert_eq!(
        templates_to(&app, "pat@example.com"),
        ["receipt", "case_acknowledged", "case_resolved"]
    );
    app.worker.drain().await.unwrap();
    let mails = app.smtp.wait_for(5, WAIT);
    let to_pat: Vec<_> = mails
        .iter()
        .filter(|m| m.to.iter().any(|t| t.contains("pat@example.com")))
        .collect();
    assert_eq!(to_pat.len(), 3);
    assert!(to_pat.iter().any(|m| m.data.contains("credited a month")));
    assert!(
        mails.iter().all(|m| !m.data.contains("internal only")),
        "internal notes never reach anyone"
    );

    let page = app
        .client
        .get(&receipt)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("looking into it today"));
    assert!(page.contains("credited a month"));
    assert!(page.contains("Resolved"));
    assert!(!page.contains("internal only"));

    let staff_page = grace
        .get(app.url(&format!("/staff/notes/{note}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(staff_page.contains("internal only"));

    // Resolving again is refused, and nothing changes.
    let events = event_count(&app, &note);
    let res = step(
        &app,
        &grace,
        &note,
        &[("step", "resolve"), ("message", "Again.")],
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("already resolved"));
    assert_eq!(event_count(&app, &note), events);
    assert_eq!(templates_to(&app, "pat@example.com").len(), 3);
}

async fn refusals_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let (billing, _) = send(
        &app,
        "complaint",
        "james",
        Some("pat@example.com"),
        "Billing was wrong.",
    )
    .await;
    let (care, _) = send(
        &app,
        "complaint",
        "maria",
        Some("pat@example.com"),
        "No callback.",
    )
    .await;
    let (thanks, _) = send(&app, "thanks", "maria", None, "Thank you Maria.").await;
    let grace = signed_in(&app, "grace@example.com").await;
    let maria = signed_in(&app, "maria@example.com").await;
    let outbox_before: i64 = outbox::table
        .count()
        .get_result(&mut app.pool.get().unwrap())
        .unwrap();

    // Another team's case does not exist for Grace.
    let res = step(&app, &grace, &billing, &[("step", "acknowledge")]).await;
    assert_eq!(res.status(), 404);
    assert_eq!(case_status(&app, &billing), "open");
    // A rep may not handle complaints about themselves unless the organisation allows it.
    let res = step(&app, &maria, &care, &[("step", "acknowledge")]).await;
    assert_eq!(res.status(), 403);
    assert_eq!(case_status(&app, &care), "open");
    // An empty resolution message, an unknown assignee.
    let res = step(
        &app,
        &grace,
        &care,
        &[("step", "resolve"), ("message", "   ")],
    )
    .await;
    assert_eq!(res.status(), 422);
    let res = step(
        &app,
        &grace,
        &care,
        &[
            ("step", "assign"),
            ("assignee", "01890000-0000-7000-8000-000000000000"),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    // James is not on Grace's teams.
    let james = app.staff_id("james");
    let res = step(
        &app,
        &grace,
        &care,
        &[("step", "assign"), ("assignee", &james)],
    )
    .await;
    assert_eq!(res.status(), 422);
    // A reply to a customer who left no email address.
    let res = step(
        &app,
        &maria,
        &thanks,
        &[("step", "reply"), ("message", "Thanks so much!")],
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("no email address"));
    // A thank-you has no case.
    let res = step(&app, &grace, &thanks, &[("step", "acknowledge")]).await;
    assert_eq!(res.status(), 422);
    // Without a CSRF token nothing happens at all.
    let res = grace
        .post(app.url(&format!("/staff/notes/{care}/case")))
        .form(&[("step", "acknowledge")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    assert_eq!(case_status(&app, &care), "open");
    let outbox_after: i64 = outbox::table
        .count()
        .get_result(&mut app.pool.get().unwrap())
        .unwrap();
    assert_eq!(outbox_before, outbox_after);
    assert_eq!(
        event_count(&app, &care) + event_count(&app, &billing) + event_count(&app, &thanks),
        0
    );
}

async fn a_manager_assigns_and_the_assignee_may_act(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let (note, _) = send(
        &app,
        "complaint",
        "maria",
        Some("pat@example.com"),
        "Nobody called back.",
    )
    .await;
    let grace = signed_in(&app, "grace@example.com").await;
    let maria_id = app.staff_id("maria");
    let res = step(
        &app,
        &grace,
        &note,
        &[("step", "assign"), ("assignee", &maria_id)],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert!(templates_to(&app, "maria@example.com").contains(&"case_assigned".to_owned()));
    let maria = signed_in(&app, "maria@example.com").await;
    let res = step(&app, &maria, &note, &[("step", "acknowledge")]).await;
    assert_eq!(res.status(), 303, "the assignee may handle the case");
    let list = grace
        .get(app.url("/staff/cases"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("Maria Lopez"));
}

async fn a_rep_replies_to_a_thank_you_without_either_address_showing(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let (note, receipt) = send(
        &app,
        "thanks",
        "maria",
        Some("pat@example.com"),
        "You saved my holiday.",
    )
    .await;
    let maria = signed_in(&app, "maria@example.com").await;
    let page = maria
        .get(app.url(&format!("/staff/notes/{note}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("pat@example.com"),
        "the rep does not see the customer's address"
    );
    assert!(page.contains("Send reply"));
    let res = step(
        &app,
        &maria,
        &note,
        &[
            ("step", "reply"),
            ("message", "It was my pleasure, Pat. Enjoy Lisbon!"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    app.worker.drain().await.unwrap();
    let mails = app.smtp.wait_for(4, WAIT);
    let reply = mails
        .iter()
        .find(|m| m.data.contains("Enjoy Lisbon"))
        .expect("the reply was sent");
    assert!(reply.to.iter().any(|t| t.contains("pat@example.com")));
    assert!(
        !reply.data.contains("maria@example.com"),
        "the rep's address is not revealed"
    );
    let page = app
        .client
        .get(&receipt)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Enjoy Lisbon"));
}

async fn an_overdue_complaint_escalates_once(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let (note, _) = send(
        &app,
        "complaint",
        "maria",
        Some("pat@example.com"),
        "Still waiting for a refund.",
    )
    .await;
    // Not yet due: nothing happens.
    let report = app
        .worker
        .run_schedule_at(heard::store::now() + Span::hours(47))
        .await
        .unwrap();
    assert_eq!(report.escalated, 0);
    // Due: Grace manages Care, which has no parent team, so the admins hear of it.
    let later = heard::store::now() + Span::hours(49);
    let report = app.worker.run_schedule_at(later).await.unwrap();
    assert_eq!(report.escalated, 1);
    assert_eq!(templates_to(&app, "priya@example.com"), ["case_escalated"]);
    // A second instance (its own worker and schedule) and a second run change nothing.
    let other = app.second_worker();
    let (a, b) = tokio::join!(
        app.worker.run_schedule_at(later),
        other.run_schedule_at(later)
    );
    assert_eq!(a.unwrap().escalated + b.unwrap().escalated, 0);
    assert_eq!(templates_to(&app, "priya@example.com"), ["case_escalated"]);
    let grace = signed_in(&app, "grace@example.com").await;
    let inbox = grace
        .get(app.url("/staff/cases"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(inbox.contains("Escalated"));
    // An acknowledged case never escalates.
    let (other_note, _) = send(
        &app,
        "complaint",
        "maria",
        Some("pat@example.com"),
        "Second complaint.",
    )
    .await;
    assert_eq!(
        step(&app, &grace, &other_note, &[("step", "acknowledge")])
            .await
            .status(),
        303
    );
    let report = app
        .worker
        .run_schedule_at(later + Span::hours(49))
        .await
        .unwrap();
    assert_eq!(report.escalated, 0);
    assert!(note != other_note);
}

async fn escalation_goes_to_the_managers_manager(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    // Care becomes a sub-team of Support, managed by Ola.
    {
        use heard::domain::{StaffFields, StaffInput, TeamName};
        let mut c = app.pool.get().unwrap();
        let support =
            heard::store::teams::create(&mut c, &TeamName::parse("Support").unwrap(), None)
                .unwrap();
        let input = StaffInput::parse(&StaffFields {
            name: "Ola Berg".into(),
            email: "ola@example.com".into(),
            role: "manager".into(),
            team: "Support".into(),
            handle: "ola".into(),
            manager_email: String::new(),
        })
        .unwrap();
        heard::store::staff::add_all(
            &mut c,
            &[heard::store::staff::NewMember {
                input,
                password_hash: None,
            }],
            &heard::store::audit::Actor::System("test"),
        )
        .unwrap();
        let ola = heard::db::ids::StaffId::parse(&app.staff_id("ola")).unwrap();
        heard::store::teams::set_manager(&mut c, &support.id, &ola).unwrap();
        let care = heard::store::teams::find_by_name(&mut c, &TeamName::parse("Care").unwrap())
            .unwrap()
            .unwrap();
        heard::store::teams::set_parent(&mut c, &care.id, &support.id).unwrap();
    }
    send(
        &app,
        "complaint",
        "maria",
        Some("pat@example.com"),
        "Nobody answers.",
    )
    .await;
    let report = app
        .worker
        .run_schedule_at(heard::store::now() + Span::hours(49))
        .await
        .unwrap();
    assert_eq!(report.escalated, 1);
    assert_eq!(templates_to(&app, "ola@example.com"), ["case_escalated"]);
    assert!(templates_to(&app, "priya@example.com").is_empty());
    let body: String = outbox::table
        .filter(outbox::template.eq("case_escalated"))
        .select(outbox::body_text)
        .first(&mut app.pool.get().unwrap())
        .unwrap();
    assert!(body.contains("Grace Okafor"), "{body}");
    let status: String = feedback::table
        .select(feedback::status)
        .first(&mut app.pool.get().unwrap())
        .unwrap();
    assert_eq!(status, "received");
}

backend_tests!(
    a_complaint_is_acknowledged_and_resolved_and_the_customer_hears_both,
    refusals_change_nothing,
    a_manager_assigns_and_the_assignee_may_act,
    a_rep_replies_to_a_thank_you_without_either_address_showing,
    an_overdue_complaint_escalates_once,
    escalation_goes_to_the_managers_manager,
);
