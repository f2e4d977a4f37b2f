//! Featured stories: at most 100 at once (they all stay on top of the wall), and marked in
//! words wherever stories are shown, the start page as the wall.

use diesel::prelude::*;
use heard::db::schema::stories;

use crate::backend_tests;
use crate::helpers::builders::{featured_stories, seed_org};
use crate::helpers::mail::queued;
use crate::helpers::notes::Note;
use crate::helpers::staff::{set_passwords, signed_in};
use crate::helpers::stories::{moderate, story_id};
use crate::helpers::{Backend, TestApp, spawn_app};

/// At most 100 stories are featured (all pinned on top of the wall): featuring one more is
/// refused with a clear message and changes nothing; once one is no longer featured, the
/// next may be.
async fn at_most_a_hundred_stories_are_featured(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    featured_stories(&app, "maria", 100, "Pinned thanks ");
    let words = "Maria rebuilt my order.";
    Note::thanks("maria", words).publishable().send(&app).await;
    let story = story_id(&app, words);
    let grace = signed_in(&app, "grace@example.com").await;
    let featured = [("body", words), ("featured", "on")];
    let res = moderate(&app, &grace, &story, "publish", &featured).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("At most 100 stories can be featured at once"),
        "{html}"
    );
    let (status, is_featured): (String, bool) = stories::table
        .find(&story)
        .select((stories::status, stories::featured))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        (status.as_str(), is_featured),
        ("pending", false),
        "nothing changed"
    );
    assert!(
        queued(&app, "story_published_customer").is_empty(),
        "nobody told"
    );
    assert_eq!(featured_count(&app), 100);

    let pinned = story_id(&app, "Pinned thanks 7");
    let plain = [("body", "Pinned thanks 7")];
    let res = moderate(&app, &grace, &pinned, "publish", &plain).await;
    assert_eq!(res.status(), 303);
    let res = moderate(&app, &grace, &story, "publish", &featured).await;
    assert_eq!(res.status(), 303, "the hundredth may be featured");
    assert_eq!(featured_count(&app), 100);
}

fn featured_count(app: &TestApp) -> i64 {
    stories::table
        .filter(stories::featured.eq(true))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

/// The start page's recent stories mark a featured story in words, as the wall does.
async fn the_start_page_marks_a_featured_story(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let grace = signed_in(&app, "grace@example.com").await;
    for (words, feature) in [("Maria was kind.", "on"), ("Maria was quick.", "")] {
        Note::thanks("maria", words).publishable().send(&app).await;
        let fields = [("body", words), ("featured", feature)];
        let story = story_id(&app, words);
        let res = moderate(&app, &grace, &story, "publish", &fields).await;
        assert_eq!(res.status(), 303);
    }
    let (_, home) = app.page("/").await;
    let label = "<p class=\"eyebrow featured-mark\">Featured</p>";
    assert_eq!(home.matches(label).count(), 1, "{home}");
    let item = |words: &str| {
        let at = home.find(words).expect("the story on the start page");
        home[home[..at].rfind("<li").unwrap()..at].to_owned()
    };
    assert!(item("Maria was kind.").contains(label), "{home}");
    assert!(!item("Maria was quick.").contains(label), "{home}");
}

backend_tests!(
    at_most_a_hundred_stories_are_featured,
    the_start_page_marks_a_featured_story,
);
