//! Moderation: managers publish (as written or redacted), tag, feature, decline kindly and
//! unpublish their teams' consented thank-you notes; customers and reps are told.

use diesel::prelude::*;
use heard::db::schema::{audit_log, feedback, outbox, stories};
use serde_json::json;

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, seed_org, spawn_app};
use crate::staff::{csrf, set_passwords, signed_in};

async fn send(app: &TestApp, rep: &str, body: &str, publish: bool, kind: &str) {
    let res = app
        .client
        .post(app.url("/api/v1/feedback"))
        .json(&json!({"kind": kind, "rep_handle": rep, "customer": {"name": "Pat Doe", "email": "pat@example.com"},
                      "body": body, "consent": {"publish": publish, "display": "first"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

fn story_id(app: &TestApp, body: &str) -> String {
    stories::table
        .inner_join(feedback::table)
        .filter(feedback::body.eq(body))
        .select(stories::id)
        .first::<heard::db::ids::StoryId>(&mut app.pool.get().unwrap())
        .unwrap()
        .to_string()
}

fn mails_to(app: &TestApp, template: &str) -> Vec<(String, String)> {
    outbox::table
        .filter(outbox::template.eq(template))
        .select((outbox::recipient, outbox::body_text))
        .load(&mut app.pool.get().unwrap())
        .unwrap()
}

async fn act(
    app: &TestApp,
    client: &reqwest::Client,
    id: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let token = csrf(app, client).await;
    let mut form = vec![("csrf", token.as_str())];
    form.extend_from_slice(fields);
    client
        .post(app.url(&format!("/staff/stories/{id}/{action}")))
        .form(&form)
        .send()
        .await
        .unwrap()
}

async fn the_queue_holds_consented_thanks_from_ones_teams(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    send(&app, "maria", "Maria was wonderful.", true, "thanks").await;
    send(&app, "maria", "Maria, privately: thanks.", false, "thanks").await;
    send(&app, "maria", "Maria was rude to me.", false, "complaint").await;
    send(&app, "james", "James sorted my bill.", true, "thanks").await;
    let grace = signed_in(&app, "grace@example.com").await;
    let queue = grace
        .get(app.url("/staff/queue"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(queue.contains("Maria was wonderful."));
    assert!(
        !queue.contains("privately") && !queue.contains("rude") && !queue.contains("James sorted")
    );
    let priya = signed_in(&app, "priya@example.com").await;
    let all = priya
        .get(app.url("/staff/queue"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(all.contains("Maria was wonderful.") && all.contains("James sorted my bill."));
    let maria = signed_in(&app, "maria@example.com").await;
    assert_eq!(
        maria
            .get(app.url("/staff/queue"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let james_story = story_id(&app, "James sorted my bill.");
    let res = grace
        .get(app.url(&format!("/staff/stories/{james_story}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "another team's story");
    let res = act(&app, &grace, &james_story, "publish", &[("body", "x")]).await;
    assert_eq!(res.status(), 404);
}

async fn publishing_with_redaction_tags_and_feature(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let original = "Maria fixed account 12345678 and asked about my surgery.";
    send(&app, "maria", original, true, "thanks").await;
    let id = story_id(&app, original);
    let grace = signed_in(&app, "grace@example.com").await;
    let bad = act(
        &app,
        &grace,
        &id,
        "publish",
        &[("body", "Fine."), ("tags", "<b>")],
    )
    .await;
    assert_eq!(bad.status(), 422);
    let res = act(
        &app,
        &grace,
        &id,
        "publish",
        &[
            ("body", "Maria fixed my account and asked after me."),
            ("tags", "Kindness, billing"),
            ("featured", "on"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let wall = app.get("/wall").await.text().await.unwrap();
    assert!(wall.contains("Maria fixed my account and asked after me."));
    assert!(
        !wall.contains("12345678"),
        "the redaction is what the public sees"
    );
    assert!(wall.contains("Featured"));
    assert!(wall.contains("?tag=kindness"));
    let kept: Option<String> = feedback::table
        .select(feedback::body)
        .first(&mut app.pool.get().unwrap())
        .unwrap();
    assert_eq!(
        kept.as_deref(),
        Some(original),
        "the customer's original is kept"
    );
    let page = grace
        .get(app.url(&format!("/staff/stories/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("What the wall shows (edited)") && page.contains("12345678"));
    let to_customer = mails_to(&app, "story_published_customer");
    assert_eq!(to_customer.len(), 1);
    assert_eq!(to_customer[0].0, "pat@example.com");
    assert!(to_customer[0].1.contains(&format!("/stories/{id}")));
    assert_eq!(
        mails_to(&app, "story_published_rep")[0].0,
        "maria@example.com"
    );
    // Saving changes later does not email again.
    let res = act(
        &app,
        &grace,
        &id,
        "publish",
        &[("body", "Maria fixed my account."), ("tags", "kindness")],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(mails_to(&app, "story_published_customer").len(), 1);
    let logged: i64 = audit_log::table
        .filter(audit_log::action.eq("story.publish"))
        .count()
        .get_result(&mut app.pool.get().unwrap())
        .unwrap();
    assert_eq!(logged, 2);
}

async fn declining_unpublishing_and_illegal_moves(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    send(&app, "maria", "Maria helped a lot.", true, "thanks").await;
    send(&app, "maria", "Maria made my week.", true, "thanks").await;
    let (declined, published) = (
        story_id(&app, "Maria helped a lot."),
        story_id(&app, "Maria made my week."),
    );
    let grace = signed_in(&app, "grace@example.com").await;
    assert_eq!(
        act(&app, &grace, &declined, "decline", &[("reason", "")])
            .await
            .status(),
        422
    );
    let res = act(
        &app,
        &grace,
        &declined,
        "decline",
        &[(
            "reason",
            "It names another customer, so we keep it private.",
        )],
    )
    .await;
    assert_eq!(res.status(), 303);
    let told = mails_to(&app, "story_declined");
    assert_eq!(told.len(), 1);
    assert!(told[0].1.contains("It names another customer"));
    assert_eq!(
        act(&app, &grace, &declined, "publish", &[("body", "x")])
            .await
            .status(),
        409,
        "declined is final"
    );
    assert_eq!(
        act(&app, &grace, &published, "unpublish", &[])
            .await
            .status(),
        409,
        "not published yet"
    );

    assert_eq!(
        act(
            &app,
            &grace,
            &published,
            "publish",
            &[("body", "Maria made my week.")]
        )
        .await
        .status(),
        303
    );
    assert_eq!(
        app.get(&format!("/stories/{published}")).await.status(),
        200
    );
    assert_eq!(
        act(&app, &grace, &published, "unpublish", &[])
            .await
            .status(),
        303
    );
    assert_eq!(
        app.get(&format!("/stories/{published}")).await.status(),
        410
    );
    assert!(
        !app.get("/wall")
            .await
            .text()
            .await
            .unwrap()
            .contains("Maria made my week.")
    );
    let status: String = stories::table
        .filter(stories::id.eq(heard::db::ids::StoryId::parse(&published).unwrap()))
        .select(stories::status)
        .first(&mut app.pool.get().unwrap())
        .unwrap();
    assert_eq!(status, "unpublished");
}

/// A redaction (spans replaced by `[…]`) leaves the story the customer's own words; any
/// other change says "Edited by the moderator" on the story, on the wall and in the API.
async fn edits_beyond_redaction_are_shown_as_edited(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let original = "Maria fixed account 12345678 and asked about my surgery.";
    send(&app, "maria", original, true, "thanks").await;
    let id = story_id(&app, original);
    let grace = signed_in(&app, "grace@example.com").await;
    let edited_mark = "Edited by the moderator";
    let api_edited = |body: serde_json::Value| body["edited"].clone();

    let redacted = "Maria fixed account […] and asked about my […].";
    let res = act(&app, &grace, &id, "publish", &[("body", redacted)]).await;
    assert_eq!(res.status(), 303);
    let page = app
        .get(&format!("/stories/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("account […] and"), "the redaction is public");
    assert!(!page.contains(edited_mark), "a redaction is not an edit");
    assert!(
        !app.get("/wall")
            .await
            .text()
            .await
            .unwrap()
            .contains(edited_mark)
    );
    let story: serde_json::Value = app
        .get(&format!("/api/v1/stories/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(api_edited(story), json!(false));
    let review = grace
        .get(app.url(&format!("/staff/stories/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        review.contains("What the wall shows (redacted)"),
        "{review}"
    );

    for changed in [
        // Words deleted without a marker can change the meaning.
        "Maria fixed account and asked about my surgery.",
        // A redaction plus a rewording.
        "Maria fixed account […] and was lovely.",
    ] {
        let res = act(&app, &grace, &id, "publish", &[("body", changed)]).await;
        assert_eq!(res.status(), 303);
        let page = app
            .get(&format!("/stories/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains(edited_mark), "{changed}");
        let wall = app.get("/wall").await.text().await.unwrap();
        assert!(wall.contains(edited_mark), "the wall card says so too");
        let list: serde_json::Value = app.get("/api/v1/stories").await.json().await.unwrap();
        assert_eq!(
            api_edited(list["items"][0].clone()),
            json!(true),
            "{changed}"
        );
    }

    let res = act(&app, &grace, &id, "publish", &[("body", original)]).await;
    assert_eq!(res.status(), 303);
    let page = app
        .get(&format!("/stories/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains(edited_mark), "back to the customer's words");
}

backend_tests!(
    edits_beyond_redaction_are_shown_as_edited,
    the_queue_holds_consented_thanks_from_ones_teams,
    publishing_with_redaction_tags_and_feature,
    declining_unpublishing_and_illegal_moves,
);
