//! Closing the loop on complaints: acknowledge, assign, comment and resolve, with the
//! customer emailed and the history on their receipt page; refusals change nothing; a
//! rep's reply to a thank-you goes through Heard; overdue cases escalate once.

use std::time::Duration;

use chrono::Duration as Span;
use diesel::prelude::*;
use heard::db::schema::{notes, outbox};

use crate::backend_tests;
use crate::helpers::builders::{add_member, add_team, seed_org, set_setting, team};
use crate::helpers::cases::{case_status, event_count, step};
use crate::helpers::mail::templates_to;
use crate::helpers::notes::{Note, Sent};
use crate::helpers::staff::{set_passwords, signed_in};
use crate::helpers::{Backend, TestApp, page_as, spawn_app};

const WAIT: Duration = Duration::from_secs(10);

fn outbox_size(app: &TestApp) -> i64 {
    outbox::table.count().get_result(&mut app.conn()).unwrap()
}

async fn a_complaint_is_acknowledged_and_resolved_and_the_customer_hears_both(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let Sent { id: note, receipt } = Note::complaint("maria", "I was cut off twice.")
        .send(&app)
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

    let (_, staff_page) = page_as(&grace, &app, &format!("/staff/notes/{note}")).await;
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
    let billing = Note::complaint("james", "Billing was wrong.")
        .send(&app)
        .await
        .id;
    let care = Note::complaint("maria", "No callback.").send(&app).await.id;
    let thanks = Note::thanks("maria", "Thank you Maria.")
        .without_email()
        .send(&app)
        .await
        .id;
    let grace = signed_in(&app, "grace@example.com").await;
    let maria = signed_in(&app, "maria@example.com").await;
    let outbox_before = outbox_size(&app);

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
    assert_eq!(outbox_before, outbox_size(&app));
    assert_eq!(
        event_count(&app, &care) + event_count(&app, &billing) + event_count(&app, &thanks),
        0
    );
}

async fn a_manager_assigns_and_the_assignee_may_act(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let note = Note::complaint("maria", "Nobody called back.")
        .send(&app)
        .await
        .id;
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
    let (_, list) = page_as(&grace, &app, "/staff/cases").await;
    assert!(list.contains("Maria Lopez"));
}

async fn a_rep_replies_to_a_thank_you_without_either_address_showing(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let Sent { id: note, receipt } = Note::thanks("maria", "You saved my holiday.")
        .send(&app)
        .await;
    let maria = signed_in(&app, "maria@example.com").await;
    let (_, page) = page_as(&maria, &app, &format!("/staff/notes/{note}")).await;
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
    let note = Note::complaint("maria", "Still waiting for a refund.")
        .send(&app)
        .await
        .id;
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
    let (_, inbox) = page_as(&grace, &app, "/staff/cases").await;
    assert!(inbox.contains("Escalated"));
    // An acknowledged case never escalates.
    let other_note = Note::complaint("maria", "Second complaint.")
        .send(&app)
        .await
        .id;
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
    add_team(&app, "Support");
    add_member(
        &app,
        ("Ola Berg", "ola@example.com", "manager", "Support", "ola"),
    );
    team(&app, "Support").managed_by("ola");
    team(&app, "Care").sits_under("Support");
    Note::complaint("maria", "Nobody answers.").send(&app).await;
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
        .first(&mut app.conn())
        .unwrap();
    assert!(body.contains("Grace Okafor"), "{body}");
    let status: String = notes::table
        .select(notes::status)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(status, "received");
}

/// A form's fields.
type Fields<'a> = &'a [(&'a str, &'a str)];

/// The `?done=` a step's redirect carries, and the page it leads to, as `client`.
async fn after_step(
    app: &TestApp,
    client: &reqwest::Client,
    note: &str,
    fields: &[(&str, &str)],
) -> (String, String) {
    let res = step(app, client, note, fields).await;
    assert_eq!(res.status(), 303, "{fields:?}");
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    let (_, page) = page_as(client, app, &to).await;
    (to, page)
}

async fn a_rep_sees_only_the_steps_they_may_take(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let note = Note::complaint("maria", "The engineer never came.")
        .send(&app)
        .await
        .id;
    let grace = signed_in(&app, "grace@example.com").await;
    let maria = signed_in(&app, "maria@example.com").await;
    let path = format!("/staff/notes/{note}");

    // The manager may do everything; the customer left an address (shown to her).
    let (_, page) = page_as(&grace, &app, &path).await;
    for form in [
        "value=\"acknowledge\"",
        "value=\"resolve\"",
        "value=\"comment\"",
    ] {
        assert!(page.contains(form), "{form}");
    }
    assert!(page.contains("Emailed to the customer"));
    assert!(!page.contains("handles this complaint"));
    assert_eq!(
        step(&app, &grace, &note, &[("step", "acknowledge")])
            .await
            .status(),
        303
    );

    // Maria may not handle a complaint about herself: no forms that would answer 403, and
    // the page says who handles it.
    let (status, page) = page_as(&maria, &app, &path).await;
    assert_eq!(status, 200);
    for form in [
        "value=\"acknowledge\"",
        "value=\"resolve\"",
        "value=\"comment\"",
    ] {
        assert!(!page.contains(form), "{form} is not offered");
    }
    assert!(
        page.contains("Grace Okafor, your manager, handles this complaint."),
        "{page}"
    );
    assert_eq!(
        step(
            &app,
            &maria,
            &note,
            &[("step", "resolve"), ("message", "Done.")]
        )
        .await
        .status(),
        403,
        "the page and the step agree"
    );

    // Where reps handle their own complaints, the forms appear and work. The address is
    // hidden from her, but the customer does have one: the hint says they will be emailed.
    set_setting(&app, "reps_handle_cases", 1);
    let (_, page) = page_as(&maria, &app, &path).await;
    assert!(page.contains("value=\"resolve\""));
    assert!(
        !page.contains("value=\"acknowledge\""),
        "already acknowledged"
    );
    assert!(!page.contains("pat@example.com"));
    assert!(page.contains("Emailed to the customer"));
    assert!(!page.contains("left no email"));
    assert!(!page.contains("handles this complaint"));
    let (to, _) = after_step(
        &app,
        &maria,
        &note,
        &[
            ("step", "resolve"),
            ("message", "The engineer comes Monday."),
        ],
    )
    .await;
    assert!(to.contains("done=resolved"), "{to}");
}

async fn each_step_says_what_it_did_in_human_words(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let note = Note::complaint(
        "maria",
        "My refund has been pending for six weeks now and nobody answers.",
    )
    .send(&app)
    .await
    .id;
    let grace = signed_in(&app, "grace@example.com").await;
    let (_, page) = page_as(&grace, &app, &format!("/staff/notes/{note}")).await;
    assert!(page.contains("Case: Waiting for acknowledgement"), "{page}");
    assert!(page.contains("Acknowledge by"));

    let (_, list) = page_as(&grace, &app, "/staff/cases").await;
    assert!(
        list.contains("My refund has been pending for six weeks"),
        "first words"
    );
    assert!(
        list.contains("<span class=\"case-customer\">Pat Doe:</span>"),
        "the customer, by the full name staff may see"
    );
    assert!(list.contains("Maria Lopez"), "the rep");
    assert!(list.contains("Waiting for acknowledgement"));
    assert!(!list.contains("<td>open"), "no raw codes");

    let steps: [(Fields, &str, &str); 4] = [
        (
            &[("step", "acknowledge")],
            "done=acknowledged",
            "Acknowledged: the customer has been told.",
        ),
        (
            &[("step", "assign"), ("assignee", &app.staff_id("maria"))],
            "done=assigned",
            "Assigned.",
        ),
        (
            &[("step", "comment"), ("message", "Finance is on it.")],
            "done=commented",
            "Internal note added.",
        ),
        (
            &[("step", "resolve"), ("message", "Refunded today.")],
            "done=resolved",
            "Resolved: the customer has been told.",
        ),
    ];
    for (fields, code, sentence) in steps {
        let (to, page) = after_step(&app, &grace, &note, fields).await;
        assert!(to.contains(code), "{to}");
        assert!(page.contains("role=\"status\""));
        assert!(page.contains(sentence), "{sentence}");
    }
    let (_, page) = page_as(&grace, &app, &format!("/staff/notes/{note}")).await;
    assert!(page.contains("Case: Resolved"));
    assert!(
        !page.contains("Acknowledge by"),
        "no deadline after resolution"
    );
    assert!(!page.contains(">received<"), "no contradicting status");

    let thanks = Note::thanks("maria", "Lovely call.").send(&app).await.id;
    let (to, page) = after_step(
        &app,
        &grace,
        &thanks,
        &[("step", "reply"), ("message", "Thank you, Pat.")],
    )
    .await;
    assert!(to.contains("done=replied"), "{to}");
    assert!(page.contains("Reply sent to the customer."));
}

async fn a_managers_reply_says_who_wrote_it(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let Sent { id: note, receipt } = Note::thanks("maria", "Maria was wonderful.")
        .send(&app)
        .await;
    let grace = signed_in(&app, "grace@example.com").await;
    let maria = signed_in(&app, "maria@example.com").await;
    for (who, words) in [
        (&grace, "Thank you from all of Care."),
        (&maria, "My pleasure!"),
    ] {
        let res = step(&app, who, &note, &[("step", "reply"), ("message", words)]).await;
        assert_eq!(res.status(), 303);
    }
    let bodies: Vec<String> = outbox::table
        .filter(outbox::template.eq("reply_to_customer"))
        .order(outbox::created_at.asc())
        .select(outbox::body_text)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(bodies.len(), 2);
    assert!(
        bodies[0].contains("here is a reply from Grace Okafor, Maria's manager:"),
        "{}",
        bodies[0]
    );
    assert!(
        bodies[1].contains("You thanked Maria Lopez; here is their reply:"),
        "{}",
        bodies[1]
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
    assert!(
        page.contains("A reply from Grace Okafor, Maria&#x27;s manager:"),
        "{page}"
    );
    assert!(page.contains("A reply from Maria Lopez:"));
    assert!(!page.contains("the person you thanked"));
}

async fn a_note_page_leads_to_the_next_and_the_wall_review(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let first = Note::thanks("maria", "First.").send(&app).await.id;
    let second = Note::complaint("maria", "Second.").send(&app).await.id;
    let third = Note::thanks("maria", "Third.")
        .publishable()
        .send(&app)
        .await
        .id;
    let grace = signed_in(&app, "grace@example.com").await;

    // Newest first, as in the inbox.
    let (_, page) = page_as(&grace, &app, &format!("/staff/notes/{second}")).await;
    assert!(page.contains(&format!("href=\"/staff/notes/{third}\" rel=\"prev\"")));
    assert!(page.contains(&format!("href=\"/staff/notes/{first}\" rel=\"next\"")));
    let (_, page) = page_as(&grace, &app, &format!("/staff/notes/{third}")).await;
    assert!(!page.contains("rel=\"prev\""), "the newest has no previous");

    // The publishable thank-you leads its manager to its review.
    let story: String = heard::db::schema::stories::table
        .filter(heard::db::schema::stories::note_id.eq(&third))
        .select(heard::db::schema::stories::id)
        .first(&mut app.conn())
        .unwrap();
    assert!(page.contains(&format!("href=\"/staff/stories/{story}\"")));
    assert!(page.contains("Review for the wall"));
    assert!(
        page.contains("Waiting for a review for the wall"),
        "a human status"
    );
    assert!(!page.contains("awaiting"));
    let (_, private) = page_as(&grace, &app, &format!("/staff/notes/{first}")).await;
    assert!(!private.contains("Review for the wall"), "not for the wall");
}

async fn a_rep_assigned_someone_elses_complaint_can_open_and_handle_it(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    add_member(&app, ("Ana Silva", "ana@example.com", "rep", "Care", "ana"));
    set_passwords(&app);
    let note = Note::complaint("maria", "The router never arrived.")
        .send(&app)
        .await
        .id;
    let grace = signed_in(&app, "grace@example.com").await;
    let ana = signed_in(&app, "ana@example.com").await;
    let path = format!("/staff/notes/{note}");
    assert_eq!(page_as(&ana, &app, &path).await.0, 404, "not hers yet");
    let ana_id = app.staff_id("ana");
    let res = step(
        &app,
        &grace,
        &note,
        &[("step", "assign"), ("assignee", &ana_id)],
    )
    .await;
    assert_eq!(res.status(), 303);

    let (_, cases) = page_as(&ana, &app, "/staff/cases").await;
    assert!(cases.contains(&format!("href=\"/staff/notes/{note}\"")));
    let (status, page) = page_as(&ana, &app, &path).await;
    assert_eq!(status, 200, "the case she was given opens");
    assert!(page.contains("value=\"resolve\""));
    assert!(!page.contains("pat@example.com"));
    let res = step(
        &app,
        &ana,
        &note,
        &[("step", "resolve"), ("message", "Sent by courier.")],
    )
    .await;
    assert_eq!(res.status(), 303);
}

backend_tests!(
    a_complaint_is_acknowledged_and_resolved_and_the_customer_hears_both,
    refusals_change_nothing,
    a_manager_assigns_and_the_assignee_may_act,
    a_rep_replies_to_a_thank_you_without_either_address_showing,
    an_overdue_complaint_escalates_once,
    escalation_goes_to_the_managers_manager,
    a_rep_sees_only_the_steps_they_may_take,
    each_step_says_what_it_did_in_human_words,
    a_managers_reply_says_who_wrote_it,
    a_note_page_leads_to_the_next_and_the_wall_review,
    a_rep_assigned_someone_elses_complaint_can_open_and_handle_it,
);
