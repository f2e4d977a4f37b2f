//! The customer's form: notes are stored with their outbox rows in one go, routed per the
//! rules, and bad input is refused next to its field with nothing stored.

use diesel::prelude::*;
use heard::db::schema::{cases, feedback, outbox, stories};

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, form_token, seed_org, spawn_app, spawn_app_with};

pub fn thanks_form(token: &str) -> Vec<(&'static str, String)> {
    vec![
        ("kind", "thanks".into()),
        ("rep", "maria".into()),
        ("customer_name", "Pat Doe".into()),
        ("customer_email", "pat@example.com".into()),
        ("body", "Maria stayed on the line until it worked.".into()),
        ("consent_publish", "on".into()),
        ("display", "first".into()),
        ("interaction_date", "2026-11-20".into()),
        ("channel", "phone".into()),
        ("website", "".into()),
        ("form_token", token.into()),
    ]
}

pub async fn token(app: &TestApp) -> String {
    form_token(&app.get("/feedback/new").await.text().await.unwrap())
}

pub async fn post(app: &TestApp, form: &[(&str, String)]) -> reqwest::Response {
    app.client
        .post(app.url("/feedback"))
        .form(form)
        .send()
        .await
        .unwrap()
}

fn set(form: &mut Vec<(&'static str, String)>, key: &'static str, value: &str) {
    form.retain(|(k, _)| *k != key);
    form.push((key, value.to_owned()));
}

fn notes(app: &TestApp) -> i64 {
    feedback::table
        .count()
        .get_result(&mut app.pool.get().unwrap())
        .unwrap()
}

/// (template, recipient) of every queued email, sorted.
fn mails(app: &TestApp) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = outbox::table
        .select((outbox::template, outbox::recipient))
        .load(&mut app.pool.get().unwrap())
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
    let res = post(&app, &thanks_form(&form_token(&html))).await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/receipt/"), "{location}");

    let receipt = app.get(&location).await;
    assert_eq!(receipt.status(), 200);
    assert_eq!(receipt.headers()["referrer-policy"], "no-referrer");
    let html = receipt.text().await.unwrap();
    let mut conn = app.pool.get().unwrap();
    let (reference, status, hash): (String, String, Option<String>) = feedback::table
        .select((
            feedback::reference,
            feedback::status,
            feedback::receipt_token_hash,
        ))
        .first(&mut conn)
        .unwrap();
    assert!(html.contains(&reference), "the receipt shows {reference}");
    assert_eq!(status, "awaiting_moderation");
    let token = location
        .trim_start_matches("/receipt/")
        .split('?')
        .next()
        .unwrap();
    assert_eq!(
        hash.unwrap(),
        heard::store::hash_token(token),
        "only the hash is stored"
    );
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
    let mut form = thanks_form(&token(&app).await);
    set(&mut form, "kind", "complaint");
    set(&mut form, "consent_publish", "");
    let res = post(&app, &form).await;
    assert_eq!(res.status(), 303);
    let mut conn = app.pool.get().unwrap();
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
    let mut form = thanks_form(&token(&app).await);
    set(&mut form, "rep", "sam");
    set(&mut form, "customer_email", "");
    assert_eq!(post(&app, &form).await.status(), 303);
    assert_eq!(
        mails(&app),
        pairs(&[("note_unrouted", "grace@example.com")])
    );

    // No name, Billing team (no manager): the admins.
    let mut form = thanks_form(&token(&app).await);
    set(&mut form, "rep", "");
    set(&mut form, "team", "billing");
    set(&mut form, "customer_email", "");
    set(&mut form, "body", "Someone in billing fixed my account.");
    assert_eq!(post(&app, &form).await.status(), 303);
    let unrouted: Vec<_> = mails(&app)
        .into_iter()
        .filter(|(_, to)| to == "priya@example.com")
        .collect();
    assert_eq!(unrouted, pairs(&[("note_unrouted", "priya@example.com")]));
}

async fn bad_input_is_refused_next_to_its_field_and_nothing_is_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let tok = token(&app).await;
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
        set(&mut form, field, value);
        if field == "team" {
            set(&mut form, "rep", "");
        }
        let res = post(&app, &form).await;
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
    set(&mut form, "kind", "praise");
    assert_eq!(post(&app, &form).await.status(), 422);
    // A complaint needs an email address and cannot be published.
    let mut form = thanks_form(&tok);
    set(&mut form, "kind", "complaint");
    set(&mut form, "customer_email", "");
    let html = post(&app, &form).await.text().await.unwrap();
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
    assert_eq!(notes(&app), 0);
    assert!(mails(&app).is_empty());
}

async fn form_tokens_must_be_old_enough_and_not_expired(backend: Backend) {
    let app = spawn_app_with(backend, |a| a.form_min_seconds = Some("3600".into())).await;
    seed_org(&app);
    let secret = heard::config::Secret::new(crate::helpers::TEST_SECRET);
    let now = chrono::Utc::now().timestamp();
    let fresh = heard::web::abuse::issue_form_token(&secret, now);
    let res = post(&app, &thanks_form(&fresh)).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("That was very quick"));
    let stale = heard::web::abuse::issue_form_token(&secret, now - 2 * 24 * 3600);
    let res = post(&app, &thanks_form(&stale)).await;
    assert!(res.text().await.unwrap().contains("open for too long"));
    let old_enough = heard::web::abuse::issue_form_token(&secret, now - 2 * 3600);
    assert_eq!(post(&app, &thanks_form(&old_enough)).await.status(), 303);
    assert_eq!(notes(&app), 1);
}

async fn the_same_note_twice_is_stored_once(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let form = thanks_form(&token(&app).await);
    let first = post(&app, &form).await;
    assert_eq!(first.status(), 303);
    let receipt = first.headers()["location"].to_str().unwrap().to_owned();
    // A double tap (the same token) and a later resend (a fresh one) both meet the first note:
    // its reference, never its private link.
    for form in [form.clone(), thanks_form(&token(&app).await)] {
        let again = post(&app, &form).await;
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
    assert_eq!(notes(&app), 1);
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

async fn public_posts_are_rate_limited(backend: Backend) {
    let app = spawn_app_with(backend, |a| a.rate_limit_per_minute = Some("2".into())).await;
    seed_org(&app);
    for n in 0..2 {
        let mut form = thanks_form(&token(&app).await);
        set(&mut form, "body", &format!("Thank you, note {n}"));
        assert_eq!(post(&app, &form).await.status(), 303);
    }
    let res = post(&app, &thanks_form(&token(&app).await)).await;
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    assert_eq!(notes(&app), 2);
}

async fn receipts_withdraw_consent_and_erase_everywhere(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let res = post(&app, &thanks_form(&token(&app).await)).await;
    let receipt = res.headers()["location"]
        .to_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let page = app.get(&receipt).await.text().await.unwrap();
    let tok = form_token(&page);

    let res = app
        .client
        .post(app.url(&format!("{receipt}/withdraw")))
        .form(&[("form_token", tok.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let mut conn = app.pool.get().unwrap();
    let (status, consent): (String, bool) = feedback::table
        .select((feedback::status, feedback::consent_publish))
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
        feedback::table
            .select((
                feedback::customer_name,
                feedback::customer_email,
                feedback::body,
                feedback::status,
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
    public_posts_are_rate_limited,
    receipts_withdraw_consent_and_erase_everywhere,
    reps_are_found_by_name_qr_and_card,
);

fn publish_all(app: &TestApp) {
    let now = chrono::Utc::now().naive_utc();
    diesel::update(stories::table)
        .set((
            stories::status.eq("published"),
            stories::published_at.eq(now),
        ))
        .execute(&mut app.pool.get().unwrap())
        .unwrap();
}

async fn the_start_page_shows_published_stories_as_people_chose(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let res = post(&app, &thanks_form(&token(&app).await)).await;
    let receipt = res.headers()["location"]
        .to_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let mut james = thanks_form(&token(&app).await);
    set(&mut james, "rep", "james");
    set(&mut james, "customer_name", "Lee <b>Ray</b>");
    set(&mut james, "display", "full");
    set(
        &mut james,
        "body",
        "James <script>alert(1)</script> sorted my bill.",
    );
    assert_eq!(post(&app, &james).await.status(), 303);
    publish_all(&app);

    let html = app.get("/").await.text().await.unwrap();
    assert!(html.contains("Maria stayed on the line until it worked."));
    assert!(
        html.contains("Pat D., thanking <a href=\"/wall/maria\">Maria Lopez</a> (Care)")
            || html.contains("Pat D., thanking <a href=\"/wall/maria\">Maria Lopez</a> (Care)"),
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
    let page = app.get(&receipt).await.text().await.unwrap();
    let tok = form_token(&page);
    app.client
        .post(app.url(&format!("{receipt}/withdraw")))
        .form(&[("form_token", tok.as_str())])
        .send()
        .await
        .unwrap();
    let html = app.get("/").await.text().await.unwrap();
    assert!(!html.contains("Maria stayed on the line"));
}

backend_tests!(the_start_page_shows_published_stories_as_people_chose);
