//! The customer's form: notes are stored with their outbox rows in one go, routed per the
//! rules, and bad input is refused next to its field with nothing stored.

use diesel::prelude::*;
use heard::db::schema::{cases, notes, outbox, stories};

use crate::backend_tests;
use crate::helpers::builders::{every_story, seed_org};
use crate::helpers::notes::{
    count_notes, fresh_token, post_form, receipt_path, send_by_form, set_field, thanks_form,
    withdraw_from_receipt,
};
use crate::helpers::{Backend, TestApp, fill_in, form_token, spawn_app, spawn_app_with};

/// (template, recipient) of every queued email, sorted.
fn mails(app: &TestApp) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = outbox::table
        .select((outbox::template, outbox::recipient))
        .load(&mut app.conn())
        .unwrap();
    rows.sort();
    rows
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = list
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    v.sort();
    v
}

async fn a_thank_you_is_stored_routed_and_receipted(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let page = app.get("/to/maria").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Thank Maria"));
    let res = post_form(&app, &thanks_form(&form_token(&html))).await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/receipt/"), "{location}");

    let receipt = app.get(&location).await;
    assert_eq!(receipt.status(), 200);
    assert_eq!(receipt.headers()["referrer-policy"], "no-referrer");
    let html = receipt.text().await.unwrap();
    let mut conn = app.conn();
    let (reference, status, hash): (String, String, Option<String>) = notes::table
        .select((notes::reference, notes::status, notes::receipt_token_hash))
        .first(&mut conn)
        .unwrap();
    assert!(html.contains(&reference), "the receipt shows {reference}");
    assert_eq!(status, "awaiting_moderation");
    let token = location
        .trim_start_matches("/receipt/")
        .split('?')
        .next()
        .unwrap();
    let stored = hash.expect("a receipt token hash");
    assert_ne!(stored, token, "the token itself is not stored");
    let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(token.as_bytes()));
    assert_eq!(stored, sha256, "its SHA-256 is");
    assert!(!html.contains("<script>"));
    let story: String = stories::table
        .select(stories::status)
        .first(&mut conn)
        .unwrap();
    assert_eq!(story, "pending");

    assert_eq!(
        mails(&app),
        pairs(&[
            ("receipt", "pat@example.com"),
            ("thanks_manager", "grace@example.com"),
            ("thanks_rep", "maria@example.com"),
        ])
    );
    let (subject, text): (String, String) = outbox::table
        .filter(outbox::template.eq("receipt"))
        .select((outbox::subject, outbox::body_text))
        .first(&mut conn)
        .unwrap();
    assert_eq!(subject, "Your thank-you to Maria Lopez is on its way");
    assert!(text.contains(&format!("{}/receipt/{token}", app.address)));
    assert!(text.contains(&reference));
}

async fn a_complaint_opens_a_case_and_reaches_rep_and_manager(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let res = send_by_form(&app, &[("kind", "complaint"), ("consent_publish", "")]).await;
    assert_eq!(res.status(), 303);
    let mut conn = app.conn();
    let case: String = cases::table.select(cases::status).first(&mut conn).unwrap();
    assert_eq!(case, "open");
    assert_eq!(
        stories::table.count().get_result::<i64>(&mut conn).unwrap(),
        0
    );
    assert_eq!(
        mails(&app),
        pairs(&[
            ("complaint_manager", "grace@example.com"),
            ("complaint_rep", "maria@example.com"),
            ("receipt", "pat@example.com"),
        ])
    );
}

async fn notes_without_a_current_rep_go_to_the_team_or_the_admins(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    // Sam has left the Care team: his note goes to Care's manager.
    let sent = send_by_form(&app, &[("rep", "sam"), ("customer_email", "")]).await;
    assert_eq!(sent.status(), 303);
    assert_eq!(
        mails(&app),
        pairs(&[("note_unrouted", "grace@example.com")])
    );

    // No name, Billing team (no manager): the admins.
    let sent = send_by_form(
        &app,
        &[
            ("rep", ""),
            ("team", "billing"),
            ("customer_email", ""),
            ("body", "Someone in billing fixed my account."),
        ],
    )
    .await;
    assert_eq!(sent.status(), 303);
    let unrouted: Vec<_> = mails(&app)
        .into_iter()
        .filter(|(_, to)| to == "priya@example.com")
        .collect();
    assert_eq!(unrouted, pairs(&[("note_unrouted", "priya@example.com")]));
}

async fn bad_input_is_refused_next_to_its_field_and_nothing_is_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let tok = fresh_token(&app).await;
    let long = "x".repeat(5001);
    let cases: Vec<(&'static str, &str, &str)> = vec![
        ("body", "", "body"),
        ("body", long.as_str(), "body"),
        ("body", "hello\u{0}there", "body"),
        ("customer_email", "pat@", "customer_email"),
        (
            "customer_email",
            "pat@example.com\r\nBcc: x@y.z",
            "customer_email",
        ),
        ("customer_name", "Pat\r\nBcc: x@y.z", "customer_name"),
        ("rep", "nobody-here", "rep"),
        ("rep", "<script>alert(1)</script>", "rep"),
        ("display", "nickname", "display"),
        ("display", "", "display"),
        ("channel", "fax", "channel"),
        ("interaction_date", "2999-01-01", "interaction_date"),
        ("team", "no-such-team", "team"),
        ("form_token", "", "form_token"),
        ("form_token", "1.2.3", "form_token"),
        ("website", "http://spam.example", "form_token"),
    ];
    for (field, value, error_field) in cases {
        let mut form = thanks_form(&tok);
        set_field(&mut form, field, value);
        if field == "team" {
            set_field(&mut form, "rep", "");
        }
        let res = post_form(&app, &form).await;
        assert_eq!(res.status(), 422, "{field}={value:?}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains(&format!("id=\"{error_field}-error\"")) || error_field == "form_token",
            "{field}={value:?}: no error next to {error_field}"
        );
        assert!(html.contains("role=\"alert\""), "errors are announced");
        assert!(
            html.contains("Maria stayed on the line") || field == "body",
            "input is kept"
        );
        assert!(!html.contains("<script>alert(1)</script>"), "and escaped");
    }
    let mut form = thanks_form(&tok);
    set_field(&mut form, "kind", "praise");
    assert_eq!(post_form(&app, &form).await.status(), 422);
    // A complaint needs an email address and cannot be published.
    let mut form = thanks_form(&tok);
    set_field(&mut form, "kind", "complaint");
    set_field(&mut form, "customer_email", "");
    let html = post_form(&app, &form).await.text().await.unwrap();
    assert!(html.contains("id=\"customer_email-error\""));
    // Not a form at all.
    let json = app
        .client
        .post(app.url("/feedback"))
        .json(&serde_json::json!({"kind": "thanks", "body": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), 415);
    assert!(json.text().await.unwrap().contains("x-www-form-urlencoded"));
    assert_eq!(count_notes(&app), 0);
    assert!(mails(&app).is_empty());
}

async fn form_tokens_must_be_old_enough_and_not_expired(backend: Backend) {
    let app = spawn_app_with(backend, |a| a.form_min_seconds = Some("3600".into())).await;
    seed_org(&app);
    let secret = heard::config::Secret::new(crate::helpers::TEST_SECRET);
    let now = chrono::Utc::now().timestamp();
    let fresh = heard::web::abuse::issue_form_token(&secret, now);
    let res = post_form(&app, &thanks_form(&fresh)).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("That was very quick"));
    let stale = heard::web::abuse::issue_form_token(&secret, now - 2 * 24 * 3600);
    let res = post_form(&app, &thanks_form(&stale)).await;
    assert!(res.text().await.unwrap().contains("open for too long"));
    let old_enough = heard::web::abuse::issue_form_token(&secret, now - 2 * 3600);
    assert_eq!(
        post_form(&app, &thanks_form(&old_enough)).await.status(),
        303
    );
    assert_eq!(count_notes(&app), 1);
}

async fn the_same_note_twice_is_stored_once(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let form = thanks_form(&fresh_token(&app).await);
    let first = post_form(&app, &form).await;
    assert_eq!(first.status(), 303);
    let receipt = first.headers()["location"].to_str().unwrap().to_owned();
    // A double tap (the same token) and a later resend (a fresh one) both meet the first note:
    // its reference, never its private link.
    for form in [form.clone(), thanks_form(&fresh_token(&app).await)] {
        let again = post_form(&app, &form).await;
        assert_eq!(again.status(), 200);
        let page = again.text().await.unwrap();
        assert!(page.contains("We already have this note"));
        assert!(!page.contains("/receipt/"), "no receipt link on a repeat");
        assert!(
            !page.contains(
                receipt
                    .trim_start_matches("/receipt/")
                    .split('?')
                    .next()
                    .unwrap()
            )
        );
    }
    assert_eq!(count_notes(&app), 1);
    // The receipt went once more, to the note's own address, and only once this hour.
    let receipts: Vec<(String, String)> = mails(&app)
        .into_iter()
        .filter(|(template, _)| template == "receipt")
        .collect();
    assert_eq!(
        receipts,
        vec![
            ("receipt".to_owned(), "pat@example.com".to_owned()),
            ("receipt".to_owned(), "pat@example.com".to_owned())
        ]
    );
    assert_eq!(mails(&app).len(), 4);
}

async fn receipts_withdraw_consent_and_erase_everywhere(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let res = post_form(&app, &thanks_form(&fresh_token(&app).await)).await;
    let receipt = receipt_path(&res);
    let page = app.get(&receipt).await.text().await.unwrap();
    let tok = form_token(&page);

    let res = app
        .client
        .post(app.url(&format!("{receipt}/withdraw")))
        .form(&[("form_token", tok.as_str()), ("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let mut conn = app.conn();
    let (status, consent): (String, bool) = notes::table
        .select((notes::status, notes::consent_publish))
        .first(&mut conn)
        .unwrap();
    assert_eq!((status.as_str(), consent), ("withdrawn", false));
    let story: String = stories::table
        .select(stories::status)
        .first(&mut conn)
        .unwrap();
    assert_eq!(story, "withdrawn");

    // Each action spends its form's token: a fresh page brings a fresh one.
    let page = app.get(&receipt).await.text().await.unwrap();
    let tok = form_token(&page);
    // Erasing needs the box ticked.
    let unconfirmed = app
        .client
        .post(app.url(&format!("{receipt}/erase")))
        .form(&[("form_token", tok.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(unconfirmed.status(), 422);
    let res = app
        .client
        .post(app.url(&format!("{receipt}/erase")))
        .form(&[("form_token", tok.as_str()), ("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (name, email, body, status): (Option<String>, Option<String>, Option<String>, String) =
        notes::table
            .select((
                notes::customer_name,
                notes::customer_email,
                notes::body,
                notes::status,
            ))
            .first(&mut conn)
            .unwrap();
    assert_eq!(
        (name, email, body, status.as_str()),
        (None, None, None, "erased")
    );
    let story_body: Option<String> = stories::table
        .select(stories::body)
        .first(&mut conn)
        .unwrap();
    assert_eq!(story_body, None);
    let leftovers: Vec<(String, String, String)> = outbox::table
        .select((outbox::recipient, outbox::body_text, outbox::dedupe_key))
        .load(&mut conn)
        .unwrap();
    for (to, text, key) in leftovers {
        assert!(!to.contains("pat@") && !text.contains("Maria stayed") && !key.contains("pat@"));
    }
    let page = app.get(&receipt).await.text().await.unwrap();
    assert!(page.contains("Erased at your request"));
    assert!(!page.contains("Maria stayed"));
    assert_eq!(app.get("/receipt/0000").await.status(), 404);
    assert_eq!(
        app.get(&format!("/receipt/{}", "a".repeat(64)))
            .await
            .status(),
        404
    );
}

async fn reps_are_found_by_name_qr_and_card(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let html = app.get("/reps?q=MAR").await.text().await.unwrap();
    assert!(html.contains("href=\"/to/maria\""));
    let html = app.get("/reps?q=james").await.text().await.unwrap();
    assert!(
        html.contains("href=\"/to/james\""),
        "unnamed reps can still be thanked"
    );
    let html = app.get("/reps?q=sam").await.text().await.unwrap();
    assert!(
        !html.contains("href=\"/to/sam\""),
        "people who left are not offered"
    );
    let html = app.get("/reps?q=%25").await.text().await.unwrap();
    assert!(
        !html.contains("href=\"/to/"),
        "a % is a character, not a wildcard"
    );
    assert_eq!(app.get("/to/sam").await.status(), 404);
    assert_eq!(app.get("/to/nobody").await.status(), 404);

    let qr = app.get("/to/maria/qr.svg").await;
    assert_eq!(qr.status(), 200);
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    let svg = qr.text().await.unwrap();
    assert!(svg.contains("<svg") && svg.contains("<path"));
    let other = app.get("/to/grace/qr.svg").await.text().await.unwrap();
    assert_ne!(svg, other, "each code holds its own link");
    let card = app.get("/to/maria/card").await.text().await.unwrap();
    let link = format!("{}/to/maria", app.address);
    assert!(card.contains(&link), "the card shows the personal link");
    assert!(card.contains("src=\"/to/maria/qr.svg\""));
}

backend_tests!(
    a_thank_you_is_stored_routed_and_receipted,
    a_complaint_opens_a_case_and_reaches_rep_and_manager,
    notes_without_a_current_rep_go_to_the_team_or_the_admins,
    bad_input_is_refused_next_to_its_field_and_nothing_is_stored,
    form_tokens_must_be_old_enough_and_not_expired,
    the_same_note_twice_is_stored_once,
    receipts_withdraw_consent_and_erase_everywhere,
    reps_are_found_by_name_qr_and_card,
);

async fn the_start_page_shows_published_stories_as_people_chose(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let res = post_form(&app, &thanks_form(&fresh_token(&app).await)).await;
    let receipt = receipt_path(&res);
    let james = send_by_form(
        &app,
        &[
            ("rep", "james"),
            ("customer_name", "Lee <b>Ray</b>"),
            ("display", "full"),
            ("body", "James <script>alert(1)</script> sorted my bill."),
        ],
    )
    .await;
    assert_eq!(james.status(), 303);
    every_story().publish(&app);

    let html = app.get("/").await.text().await.unwrap();
    assert!(html.contains("Maria stayed on the line until it worked."));
    assert!(
        html.contains("Pat D., thanking <a href=\"/wall/maria\">Maria Lopez</a> (Care)"),
        "{html}"
    );
    assert!(
        html.contains("thanking a member of the Billing team"),
        "James asked not to be named"
    );
    assert!(!html.contains("James Park"));
    assert!(
        html.contains("Lee &lt;b&gt;Ray&lt;/b&gt;"),
        "names are escaped"
    );
    assert!(!html.contains("<script>alert(1)</script>"));

    // Withdrawal takes the story off at once.
    withdraw_from_receipt(&app, &receipt).await;
    let html = app.get("/").await.text().await.unwrap();
    assert!(!html.contains("Maria stayed on the line"));
}

backend_tests!(the_start_page_shows_published_stories_as_people_chose);

async fn withdrawing_consent_asks_first_and_can_be_undone(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let res = post_form(&app, &thanks_form(&fresh_token(&app).await)).await;
    let receipt = receipt_path(&res);
    let state = |app: &TestApp| -> (String, bool, String) {
        let mut conn = app.conn();
        let (status, consent) = notes::table
            .select((notes::status, notes::consent_publish))
            .first(&mut conn)
            .unwrap();
        let story = stories::table
            .select(stories::status)
            .first(&mut conn)
            .unwrap();
        (status, consent, story)
    };
    let before = state(&app);

    // The first press only asks.
    let asked = fill_in(
        &app,
        &app.client,
        None,
        &receipt,
        &format!("{receipt}/withdraw"),
        &[],
    )
    .await;
    assert_eq!(asked.status(), 200);
    let page = asked.text().await.unwrap();
    assert!(page.contains("Withdraw your consent?"), "{page}");
    assert!(page.contains("name=\"confirm\" value=\"yes\""));
    assert!(page.contains("Yes, withdraw my consent"));
    assert_eq!(state(&app), before, "nothing changed yet");

    // Confirmed, it is withdrawn, and the page says so and offers to undo it.
    let done = app
        .client
        .post(app.url(&format!("{receipt}/withdraw")))
        .form(&[
            ("form_token", form_token(&page).as_str()),
            ("confirm", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
    let to = done.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.ends_with("?changed=withdrawn"), "{to}");
    assert_eq!(state(&app), ("withdrawn".into(), false, "withdrawn".into()));
    let page = app.get(&to).await.text().await.unwrap();
    assert!(page.contains("Your consent is withdrawn"));
    assert!(page.contains("Give my consent again"));

    // Given again: back to the managers for review.
    let res = fill_in(
        &app,
        &app.client,
        None,
        &receipt,
        &format!("{receipt}/consent"),
        &[],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        state(&app),
        ("awaiting_moderation".into(), true, "pending".into())
    );
    let page = app
        .get(&format!("{receipt}?changed=consented"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Your consent is given again"));
    assert!(page.contains("Withdraw consent"));
    assert!(!page.contains("Give my consent again"));
}

async fn a_complaints_receipt_says_when_to_expect_an_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let res = send_by_form(
        &app,
        &[
            ("kind", "complaint"),
            ("consent_publish", ""),
            ("body", "Nobody called me back."),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let receipt = receipt_path(&res);
    let just_sent = app
        .get(&format!("{receipt}?sent=1"))
        .await
        .text()
        .await
        .unwrap();
    let due: chrono::NaiveDateTime = cases::table
        .select(cases::due_at)
        .first(&mut app.conn())
        .unwrap();
    let due = due.format("%-d %B %Y, %H:%M UTC").to_string();
    assert!(
        just_sent.contains(&format!("acknowledge it by {due}")),
        "{just_sent}"
    );
    let page = app.get(&receipt).await.text().await.unwrap();
    assert!(page.contains("Expect an answer by"));
    assert!(page.contains(&due));
    for words in [just_sent, page] {
        assert!(
            !words.contains("the wall"),
            "a complaint never goes on the wall"
        );
    }

    // Once resolved, no deadline and no contradicting status.
    let note: String = notes::table
        .select(notes::id)
        .first(&mut app.conn())
        .unwrap();
    crate::helpers::staff::set_passwords(&app);
    let grace = crate::helpers::staff::signed_in(&app, "grace@example.com").await;
    let res = crate::helpers::cases::step(
        &app,
        &grace,
        &note,
        &[("step", "resolve"), ("message", "We rang you today.")],
    )
    .await;
    assert_eq!(res.status(), 303);
    let page = app.get(&receipt).await.text().await.unwrap();
    assert!(page.contains("<dd>Resolved</dd>"), "{page}");
    assert!(page.contains("Resolved by Grace Okafor, Maria&#x27;s manager."));
    assert!(!page.contains("Expect an answer by"));
    assert!(!page.contains("waiting to be acknowledged"));
}

backend_tests!(
    withdrawing_consent_asks_first_and_can_be_undone,
    a_complaints_receipt_says_when_to_expect_an_answer,
);
