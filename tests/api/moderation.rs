//! Moderation: managers publish (as written or redacted), tag, feature, decline kindly and
//! unpublish their teams' consented thank-you notes; customers and reps are told.

use diesel::prelude::*;
use heard::db::schema::{audit_log, notes, stories};
use serde_json::json;

use crate::admin::notice_after;
use crate::backend_tests;
use crate::helpers::builders::seed_org;
use crate::helpers::mail::queued;
use crate::helpers::notes::{Note, withdraw_from_receipt};
use crate::helpers::staff::{set_passwords, signed_in};
use crate::helpers::stories::{moderate, story_id};
use crate::helpers::{Backend, fill_in, page_as, spawn_app};

async fn the_queue_holds_consented_thanks_from_ones_teams(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    Note::thanks("maria", "Maria was wonderful.")
        .publishable()
        .send(&app)
        .await;
    Note::thanks("maria", "Maria, privately: thanks.")
        .send(&app)
        .await;
    Note::complaint("maria", "Maria was rude to me.")
        .send(&app)
        .await;
    Note::thanks("james", "James sorted my bill.")
        .publishable()
        .send(&app)
        .await;
    let grace = signed_in(&app, "grace@example.com").await;
    let (_, queue) = page_as(&grace, &app, "/staff/queue").await;
    assert!(queue.contains("Maria was wonderful."));
    assert!(
        !queue.contains("privately") && !queue.contains("rude") && !queue.contains("James sorted")
    );
    let priya = signed_in(&app, "priya@example.com").await;
    let (_, all) = page_as(&priya, &app, "/staff/queue").await;
    assert!(all.contains("Maria was wonderful.") && all.contains("James sorted my bill."));
    let maria = signed_in(&app, "maria@example.com").await;
    assert_eq!(page_as(&maria, &app, "/staff/queue").await.0, 403);
    let james_story = story_id(&app, "James sorted my bill.");
    let (status, _) = page_as(&grace, &app, &format!("/staff/stories/{james_story}")).await;
    assert_eq!(status, 404, "another team's story");
    let res = moderate(&app, &grace, &james_story, "publish", &[("body", "x")]).await;
    assert_eq!(res.status(), 404);
}

async fn publishing_with_redaction_tags_and_feature(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let original = "Maria fixed account 12345678 and asked about my surgery.";
    Note::thanks("maria", original)
        .publishable()
        .send(&app)
        .await;
    let id = story_id(&app, original);
    let grace = signed_in(&app, "grace@example.com").await;
    let bad = moderate(
        &app,
        &grace,
        &id,
        "publish",
        &[("body", "Fine."), ("tags", "<b>")],
    )
    .await;
    assert_eq!(bad.status(), 422);
    let res = moderate(
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
    let kept: Option<String> = notes::table
        .select(notes::body)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        kept.as_deref(),
        Some(original),
        "the customer's original is kept"
    );
    let (_, page) = page_as(&grace, &app, &format!("/staff/stories/{id}")).await;
    assert!(page.contains("What the wall shows (edited)") && page.contains("12345678"));
    let to_customer = queued(&app, "story_published_customer");
    assert_eq!(to_customer.len(), 1);
    assert_eq!(to_customer[0].to, "pat@example.com");
    assert!(to_customer[0].text.contains(&format!("/stories/{id}")));
    assert_eq!(
        queued(&app, "story_published_rep")[0].to,
        "maria@example.com"
    );
    // Saving changes later does not email again.
    let res = moderate(
        &app,
        &grace,
        &id,
        "publish",
        &[("body", "Maria fixed my account."), ("tags", "kindness")],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(queued(&app, "story_published_customer").len(), 1);
    let logged: i64 = audit_log::table
        .filter(audit_log::action.eq("story.publish"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(logged, 2);
}

async fn declining_unpublishing_and_illegal_moves(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    Note::thanks("maria", "Maria helped a lot.")
        .publishable()
        .send(&app)
        .await;
    Note::thanks("maria", "Maria made my week.")
        .publishable()
        .send(&app)
        .await;
    let (declined, published) = (
        story_id(&app, "Maria helped a lot."),
        story_id(&app, "Maria made my week."),
    );
    let grace = signed_in(&app, "grace@example.com").await;
    assert_eq!(
        moderate(&app, &grace, &declined, "decline", &[("reason", "")])
            .await
            .status(),
        422
    );
    let res = moderate(
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
    let told = queued(&app, "story_declined");
    assert_eq!(told.len(), 1);
    assert!(told[0].text.contains("It names another customer"));
    assert_eq!(
        moderate(&app, &grace, &declined, "publish", &[("body", "x")])
            .await
            .status(),
        409,
        "declined is final"
    );
    assert_eq!(
        moderate(&app, &grace, &published, "unpublish", &[])
            .await
            .status(),
        409,
        "not published yet"
    );

    assert_eq!(
        moderate(
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
        moderate(&app, &grace, &published, "unpublish", &[])
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
        .first(&mut app.conn())
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
    Note::thanks("maria", original)
        .publishable()
        .send(&app)
        .await;
    let id = story_id(&app, original);
    let grace = signed_in(&app, "grace@example.com").await;
    let edited_mark = "Edited by the moderator";
    let api_edited = |body: serde_json::Value| body["edited"].clone();

    let redacted = "Maria fixed account […] and asked about my […].";
    let res = moderate(&app, &grace, &id, "publish", &[("body", redacted)]).await;
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
    let (_, review) = page_as(&grace, &app, &format!("/staff/stories/{id}")).await;
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
        let res = moderate(&app, &grace, &id, "publish", &[("body", changed)]).await;
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

    let res = moderate(&app, &grace, &id, "publish", &[("body", original)]).await;
    assert_eq!(res.status(), 303);
    let page = app
        .get(&format!("/stories/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains(edited_mark), "back to the customer's words");
}

/// Each moderation button says what it did on the page it lands on.
async fn moderation_actions_confirm_themselves(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    for words in ["Maria was kind.", "Maria was quick."] {
        Note::thanks("maria", words).publishable().send(&app).await;
    }
    let (kind, quick) = (
        story_id(&app, "Maria was kind."),
        story_id(&app, "Maria was quick."),
    );
    let grace = signed_in(&app, "grace@example.com").await;
    let body = [("body", "Maria was kind.")];
    type Step<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let steps: [Step; 4] = [
        ("publish", &body, "Published: the story is on the wall."),
        (
            "publish",
            &[("body", "Maria was kind."), ("featured", "on")],
            "Featured: the story now stays at the top of the wall.",
        ),
        ("publish", &body, "No longer featured."),
        (
            "unpublish",
            &[],
            "Withdrawn: the story is no longer on the wall.",
        ),
    ];
    for (action, fields, said) in steps {
        let res = moderate(&app, &grace, &kind, action, fields).await;
        assert_eq!(notice_after(&app, &grace, res).await, said, "{action}");
    }
    let res = moderate(&app, &grace, &quick, "decline", &[("reason", "Too short.")]).await;
    assert_eq!(
        notice_after(&app, &grace, res).await,
        "Declined: the story will not be published."
    );
}

/// The daily email to a moderator links each waiting story to its own review page.
async fn the_moderation_email_links_each_story(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    Note::thanks("maria", "Maria was patient.")
        .publishable()
        .send(&app)
        .await;
    let id = story_id(&app, "Maria was patient.");
    let report = app
        .worker
        .run_schedule_at(crate::schedule::next_monday(9))
        .await
        .unwrap();
    assert_eq!(report.moderation_digests, 1);
    let digest = &queued(&app, "moderation_digest")[0];
    let review = format!("/staff/stories/{id}");
    assert!(digest.text.contains(&review), "{}", digest.text);
}

/// Staff pages name a story's state and a person's role in words, never as stored.
async fn states_and_roles_are_named_in_words(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let words = "Maria found the missing parcel.";
    Note::thanks("maria", words).publishable().send(&app).await;
    let story = story_id(&app, words);
    let admin = signed_in(&app, "priya@example.com").await;
    let (status, html) = page_as(&admin, &app, &format!("/staff/stories/{story}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Waiting for review"), "{html}");
    assert!(!html.contains(">pending"), "{html}");
    let (status, html) = page_as(&admin, &app, "/staff/people").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<td>Rep</td>") && html.contains("<td>Manager</td>"),
        "{html}"
    );
    assert!(!html.contains("<td>rep</td>"), "{html}");
    assert!(
        html.contains(">Rep</option>") && !html.contains(">rep</option>"),
        "{html}"
    );
}

/// A customer who withdraws and then gives consent again cannot undo a moderator's decline.
async fn a_declined_story_stays_declined_when_consent_is_given_again(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let words = "Maria fixed the router twice.";
    let sent = Note::thanks("maria", words).publishable().send(&app).await;
    let story = story_id(&app, words);
    let grace = signed_in(&app, "grace@example.com").await;
    let declined = moderate(
        &app,
        &grace,
        &story,
        "decline",
        &[("reason", "Names a customer.")],
    );
    assert_eq!(declined.await.status(), 303);
    let receipt = sent.receipt_path();
    withdraw_from_receipt(&app, &receipt).await;
    let give_again = format!("{receipt}/consent");
    let again = fill_in(&app, &app.client, None, &receipt, &give_again, &[]).await;
    assert_eq!(again.status(), 303);
    let status: String = stories::table
        .find(&story)
        .select(stories::status)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(status, "declined");
    let (_, queue) = page_as(&grace, &app, "/staff/queue").await;
    assert!(!queue.contains(words), "{queue}");
}

/// A thank-you's page says where its story stands once, in words, with the name it goes
/// under while that stands.
async fn a_notes_page_names_its_storys_state_once(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let words = "Maria called me back.";
    let sent = Note::thanks("maria", words).publishable().send(&app).await;
    let grace = signed_in(&app, "grace@example.com").await;
    let facts = async || {
        let (_, page) = page_as(&grace, &app, &format!("/staff/notes/{}", sent.id)).await;
        let start = page.find("<dl class=\"facts\">").expect("the note's facts");
        page[start..start + page[start..].find("</dl>").unwrap()].to_owned()
    };
    let waiting = facts().await;
    assert!(
        waiting.contains("<dd>Waiting for a review for the wall</dd>"),
        "{waiting}"
    );
    let named = "<dt>Name on the wall</dt><dd>&ldquo;Pat D.&rdquo;</dd>";
    assert!(waiting.contains(named), "{waiting}");

    let story = story_id(&app, words);
    let res = moderate(&app, &grace, &story, "publish", &[("body", words)]).await;
    assert_eq!(res.status(), 303);
    let published = facts().await;
    assert_eq!(published.matches("On the wall").count(), 1, "{published}");
    assert!(published.contains("<dd>On the wall</dd>") && published.contains(named));

    let res = moderate(&app, &grace, &story, "unpublish", &[]).await;
    assert_eq!(res.status(), 303);
    let withdrawn = facts().await;
    assert!(
        withdrawn.contains("<dd>Taken off the wall</dd>"),
        "{withdrawn}"
    );
    assert!(!withdrawn.contains("Name on the wall"), "{withdrawn}");
}

backend_tests!(
    a_notes_page_names_its_storys_state_once,
    a_declined_story_stays_declined_when_consent_is_given_again,
    states_and_roles_are_named_in_words,
    the_moderation_email_links_each_story,
    moderation_actions_confirm_themselves,
    edits_beyond_redaction_are_shown_as_edited,
    the_queue_holds_consented_thanks_from_ones_teams,
    publishing_with_redaction_tags_and_feature,
    declining_unpublishing_and_illegal_moves,
);
