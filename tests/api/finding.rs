//! Finding the person to thank: the form's "who helped you" field takes a name or a handle
//! and offers a choice inside the form when several match; error pages on the way point on.

use diesel::prelude::*;
use heard::db::schema::outbox;

use crate::backend_tests;
use crate::helpers::builders::{add_member, seed_org};
use crate::helpers::notes::{
    Note, count_notes, fresh_token, post_form, set_field, thanks_form, withdraw_note,
};
use crate::helpers::{Backend, TestApp, spawn_app};

/// Whether an email went out to this address.
fn mailed(app: &TestApp, to: &str) -> bool {
    outbox::table
        .filter(outbox::recipient.eq(to))
        .count()
        .get_result::<i64>(&mut app.conn())
        .unwrap()
        > 0
}

/// The customer's form with "who helped you" set to `who`, on a fresh token.
async fn form_naming(app: &TestApp, who: &str) -> Vec<(&'static str, String)> {
    let mut form = thanks_form(&fresh_token(app).await);
    set_field(&mut form, "rep", who);
    form
}

async fn a_name_typed_in_the_form_finds_the_rep(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let sent = post_form(&app, &form_naming(&app, "  Maria   Lopez ").await).await;
    assert_eq!(sent.status(), 303, "a full name is enough");
    assert!(mailed(&app, "maria@example.com"));

    let sent = post_form(&app, &form_naming(&app, "james").await).await;
    assert_eq!(sent.status(), 303, "a handle still works");
    assert!(mailed(&app, "james@example.com"));
    assert_eq!(count_notes(&app), 2);
}

async fn several_matches_are_offered_inside_the_same_form(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    add_member(&app, ("Ana Lopez", "ana@example.com", "rep", "Care", "ana"));
    let mut form = form_naming(&app, "lopez").await;
    set_field(&mut form, "customer_name", "Pat Q. Doe");
    let page = post_form(&app, &form).await;
    assert_eq!(page.status(), 422);
    let html = page.text().await.unwrap();
    assert_eq!(count_notes(&app), 0, "nothing is sent until they choose");
    assert!(
        html.contains("2 people match \u{201c}lopez\u{201d}"),
        "{html}"
    );
    assert!(html.contains("<legend>Which of them helped you?</legend>"));
    for handle in ["ana", "maria"] {
        assert!(html.contains(&format!(
            "type=\"radio\" id=\"rep_choice-{handle}\" name=\"rep_choice\" value=\"{handle}\""
        )));
    }
    assert!(!html.contains("value=\"priya\""));
    // Everything typed is still there, in the same form.
    assert!(html.contains("Maria stayed on the line until it worked.</textarea>"));
    assert!(html.contains("value=\"Pat Q. Doe\""));
    assert!(html.contains("value=\"pat@example.com\""));
    let date = form.iter().find(|(k, _)| *k == "interaction_date").unwrap();
    assert!(html.contains(&format!("value=\"{}\"", date.1)));
    assert!(html.contains("name=\"rep\" type=\"text\" value=\"lopez\""));

    let mut chosen = form_naming(&app, "lopez").await;
    set_field(&mut chosen, "rep_choice", "ana");
    let sent = post_form(&app, &chosen).await;
    assert_eq!(sent.status(), 303);
    assert!(mailed(&app, "ana@example.com"));
    assert!(!mailed(&app, "maria@example.com"));
}

async fn a_name_that_matches_no_one_links_to_the_search(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    for who in ["Zed Nobody", "nobody", "Sam Okoro"] {
        let page = post_form(&app, &form_naming(&app, who).await).await;
        assert_eq!(page.status(), 422, "{who}");
        let html = page.text().await.unwrap();
        let message = format!("We couldn&#x27;t find anyone called \u{201c}{who}\u{201d}");
        // A handle is left to the intake, which says it knows no one by it.
        let handle_refused = "We don&#x27;t know anyone called &quot;nobody&quot; here.";
        let expected = if who == "nobody" {
            handle_refused
        } else {
            &message
        };
        assert!(html.contains(expected), "{html}");
        let q = who.replace(' ', "+");
        assert!(
            html.contains(&format!(
                "href=\"/reps?kind=thanks&amp;q={q}\">Search for them by name</a>"
            )),
            "{html}"
        );
        assert!(html.contains("Maria stayed on the line until it worked.</textarea>"));
    }
    assert_eq!(count_notes(&app), 0);
    assert_eq!(
        app.get("/to/priya").await.status(),
        404,
        "an admin serving no team"
    );
}

async fn the_naming_choices_are_a_named_group_showing_the_typed_name(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let mut form = form_naming(&app, "maria").await;
    set_field(&mut form, "body", "");
    let html = post_form(&app, &form).await.text().await.unwrap();
    assert!(html.contains("<legend>If so, how should we name you?</legend>"));
    assert!(!html.contains("role=\"radiogroup\""));
    assert!(
        html.contains("data-shown-as=\"full\">: Pat Doe</span>"),
        "{html}"
    );
    assert!(html.contains("data-shown-as=\"first\">: Pat D.</span>"));
    let blank = app.get("/to/maria").await.text().await.unwrap();
    assert!(
        blank.contains("data-shown-as=\"full\"></span>"),
        "no name typed yet"
    );
    assert!(!blank.contains("Pat Doe"));
    // Without JavaScript the choices stay in view (app.js hides them until consent).
    assert!(blank.contains("<fieldset class=\"display\" id=\"display-choices\" aria"));
}

async fn a_mistyped_personal_link_offers_the_search(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let (status, html) = app.page("/to/maria-lopz").await;
    assert_eq!(status, 404);
    assert!(html.contains("action=\"/reps\""));
    assert!(
        html.contains("name=\"q\" type=\"search\" value=\"maria lopz\""),
        "{html}"
    );
    assert!(html.contains("name=\"kind\" value=\"thanks\""));
    let (_, complaint) = app.page("/to/no_one?kind=complaint").await;
    assert!(complaint.contains("value=\"no one\""));
    assert!(complaint.contains("name=\"kind\" value=\"complaint\""));
    let (status, other) = app.page("/nowhere").await;
    assert_eq!(status, 404);
    assert!(
        !other.contains("action=\"/reps\""),
        "only personal links offer it"
    );
}

async fn a_withdrawn_story_says_so_and_links_to_the_wall(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let words = "Maria stayed until it worked.";
    let story = Note::thanks("maria", words)
        .email("c@example.com")
        .publishable()
        .published(&app, &[])
        .await;
    withdraw_note(&app, words);
    let (status, html) = app.page(&format!("/stories/{story}")).await;
    assert_eq!(status, 410);
    assert!(html.contains("withdrawn, either by the customer who wrote it or by the team"));
    assert!(html.contains("href=\"/wall\""));
    assert!(!html.contains(words));
}

backend_tests!(
    a_name_typed_in_the_form_finds_the_rep,
    several_matches_are_offered_inside_the_same_form,
    a_name_that_matches_no_one_links_to_the_search,
    the_naming_choices_are_a_named_group_showing_the_typed_name,
    a_mistyped_personal_link_offers_the_search,
    a_withdrawn_story_says_so_and_links_to_the_wall,
);
