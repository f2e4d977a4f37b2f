//! The public wall: consent everywhere, filters and keyset pages, story pages, feed, embed,
//! the stories API and conditional GETs (escaping is `xss`'s).

use diesel::prelude::*;
use heard::db::schema::wall_version;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::builders::seed_org;
use crate::helpers::notes::{Note, withdraw_note};
use crate::helpers::{Backend, spawn_app, spawn_app_with};

/// A thank-you to `rep` that may be published, from Pat Doe (c@example.com).
fn thanks(rep: &str, words: &str) -> Note {
    Note::thanks(rep, words)
        .email("c@example.com")
        .publishable()
}

async fn consent_and_naming_hold_on_every_surface(backend: Backend) {
    let app = spawn_app_with(backend, |a| {
        a.embed_origins = Some("https://www.example.com".into())
    })
    .await;
    seed_org(&app);
    let maria = thanks("maria", "Maria stayed until it worked.")
        .published(&app, &["patience"])
        .await;
    let james = thanks("james", "James fixed my bill.")
        .customer("Lee Ray", "c@example.com")
        .display("full")
        .published(&app, &["billing"])
        .await;
    let surfaces = [
        "/wall",
        "/wall/feed.atom",
        "/embed/wall",
        "/api/v1/stories",
        "/",
    ];
    for path in surfaces {
        let (status, body) = app.page(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(body.contains("Maria stayed until it worked."), "{path}");
        assert!(
            body.contains("Pat D."),
            "{path}: the customer's display choice"
        );
        assert!(
            !body.contains("Pat Doe"),
            "{path}: never the full name they did not choose"
        );
        assert!(body.contains("Lee Ray"), "{path}");
        assert!(
            !body.contains("James Park"),
            "{path}: James asked not to be named"
        );
        assert!(body.contains("a member of the Billing team"), "{path}");
    }
    let (status, page) = app.page(&format!("/stories/{maria}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("<meta property=\"og:title\" content=\"Pat D., thanking Maria Lopez\">"));
    assert!(page.contains("<meta name=\"twitter:card\" content=\"summary\">"));
    assert_eq!(app.page("/wall/maria").await.0, 200);
    assert_eq!(
        app.page("/wall/james").await.0,
        404,
        "no page names someone who declined"
    );
    let api: Value = app
        .get(&format!("/api/v1/stories/{james}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        api["rep"],
        json!({"handle": null, "name": "a member of the Billing team", "team": "Billing"})
    );

    // Withdrawal takes the story off every surface at once, and its URLs answer 410.
    withdraw_note(&app, "Maria stayed until it worked.");
    for path in surfaces.iter().copied().chain(["/wall/maria"]) {
        let (_, body) = app.page(path).await;
        assert!(
            !body.contains("Maria stayed until it worked."),
            "{path} still shows it"
        );
    }
    assert_eq!(app.page(&format!("/stories/{maria}")).await.0, 410);
    let gone = app.get(&format!("/api/v1/stories/{maria}")).await;
    assert_eq!(gone.status(), 410);
    assert_eq!(gone.headers()["content-type"], "application/problem+json");
    assert_eq!(
        app.page("/stories/01a20000-0000-7000-8000-000000000000")
            .await
            .0,
        404
    );

    // The embed may be framed by the configured origin only.
    let embed = app.get("/embed/wall").await;
    let csp = embed.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("frame-ancestors https://www.example.com;"),
        "{csp}"
    );
    assert!(!embed.headers().contains_key("x-frame-options"));
    assert_eq!(app.get("/wall").await.headers()["x-frame-options"], "DENY");
}

async fn the_wall_pages_by_cursor_and_filters(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    for n in 0..25 {
        let (rep, tag) = if n % 2 == 0 {
            ("maria", "patience")
        } else {
            ("grace", "kindness")
        };
        let words = format!("Thank you, story {n}.");
        thanks(rep, &words).published(&app, &[tag]).await;
    }
    // Every story once, newest first, across pages.
    let mut seen = Vec::new();
    let mut path = "/api/v1/stories?limit=7".to_owned();
    loop {
        let page: Value = app.get(&path).await.json().await.unwrap();
        for item in page["items"].as_array().unwrap() {
            seen.push(item["body"].as_str().unwrap().to_owned());
        }
        match page["next"].as_str() {
            Some(next) => path = format!("/api/v1/stories?limit=7&after={next}"),
            None => break,
        }
    }
    let want: Vec<String> = (0..25)
        .rev()
        .map(|n| format!("Thank you, story {n}."))
        .collect();
    assert_eq!(seen, want);

    let tagged: Value = app
        .get("/api/v1/stories?tag=kindness&limit=100")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tagged["items"].as_array().unwrap().len(), 12);
    assert!(
        tagged["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["tags"] == json!(["kindness"]))
    );
    let by_rep: Value = app
        .get("/api/v1/stories?rep=maria&limit=100")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_rep["items"].as_array().unwrap().len(), 13);
    let by_team: Value = app
        .get("/api/v1/stories?team=care&limit=100")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_team["items"].as_array().unwrap().len(), 25);
    let nobody: Value = app
        .get("/api/v1/stories?team=billing")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(nobody["items"], json!([]));
    assert_eq!(app.get("/api/v1/stories?after=garbage").await.status(), 400);

    // The HTML wall pages the same way.
    let (_, first) = app.page("/wall").await;
    assert!(first.contains("Thank you, story 24.") && !first.contains("Thank you, story 4."));
    let first = first.replace("&amp;", "&");
    let start = first
        .find("href=\"/wall?after=")
        .expect("a link to older stories")
        + 6;
    let next = first[start..start + first[start..].find('"').unwrap()].to_owned();
    let (_, second) = app.page(&next).await;
    assert!(second.contains("Thank you, story 4.") && !second.contains("Thank you, story 24."));
    let (_, rep_page) = app.page("/wall/maria").await;
    assert!(rep_page.contains("13 customers have thanked Maria"));
}

/// The `after=` link of a wall page, if it has one.
fn older_link(html: &str) -> Option<String> {
    let html = html.replace("&amp;", "&");
    let start = html.find("href=\"/wall?after=")? + 6;
    Some(html[start..start + html[start..].find('"')?].to_owned())
}

/// Featured stories are pinned at the top of the wall (newest first), marked in words, and
/// paging below them shows every other story once; the API keeps plain newest first.
async fn featured_stories_stay_on_top(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    for n in 0..25 {
        let words = format!("Thank you, story {n}.");
        thanks("maria", &words).published(&app, &[]).await;
    }
    for n in [3, 10] {
        let id = crate::helpers::stories::story_id(&app, &format!("Thank you, story {n}."));
        let id = heard::db::ids::StoryId::parse(&id).unwrap();
        diesel::update(heard::db::schema::stories::table.find(id))
            .set(heard::db::schema::stories::featured.eq(true))
            .execute(&mut app.conn())
            .unwrap();
    }
    let (_, first) = app.page("/wall").await;
    let at = |n: u32| first.find(&format!("Thank you, story {n}.")).unwrap();
    assert!(
        at(10) < at(3) && at(3) < at(24) && at(24) < at(23),
        "pinned, then newest"
    );
    let label = first.find("Featured</p>").expect("a Featured label");
    assert!(label < at(10));
    assert_eq!(first.matches("Featured</p>").count(), 2);
    let mut seen = Vec::new();
    let mut page = first.clone();
    loop {
        seen.extend((0..25).filter(|n| page.contains(&format!("Thank you, story {n}."))));
        match older_link(&page) {
            Some(next) => page = app.page(&next).await.1,
            None => break,
        }
    }
    seen.sort_unstable();
    assert_eq!(seen, (0..25).collect::<Vec<_>>(), "every story once");
    let api: Value = app
        .get("/api/v1/stories?limit=3")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(api["items"][0]["body"], "Thank you, story 24.");
    assert_eq!(api["items"][2]["body"], "Thank you, story 22.");
}

async fn validators_change_with_every_change(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    thanks("maria", "The first story.")
        .published(&app, &[])
        .await;
    for path in ["/wall", "/wall/feed.atom", "/api/v1/stories", "/wall/maria"] {
        // Last-Modified is given once the change's second is over (a burst of changes, like
        // the set-up's, runs ahead of the clock): as if they were all long ago.
        diesel::update(wall_version::table)
            .set(wall_version::changed_at.eq(wall_version::changed_at - 1000))
            .execute(&mut app.conn())
            .unwrap();
        let first = app.get(path).await;
        let etag = first.headers()["etag"].to_str().unwrap().to_owned();
        let modified = first.headers()["last-modified"]
            .to_str()
            .unwrap()
            .to_owned();
        let again = app
            .client
            .get(app.url(path))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
        let since = app
            .client
            .get(app.url(path))
            .header("If-Modified-Since", &modified)
            .send()
            .await
            .unwrap();
        assert_eq!(since.status(), 304, "{path}");
        // A change anywhere on the wall makes old copies stale.
        let body = format!("Another story for {path}.");
        thanks("maria", &body).published(&app, &[]).await;
        let after = app
            .client
            .get(app.url(path))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(after.status(), 200, "{path}");
        assert_ne!(after.headers()["etag"].to_str().unwrap(), etag);
        withdraw_note(&app, &body);
        let new_etag = app.get(path).await.headers()["etag"]
            .to_str()
            .unwrap()
            .to_owned();
        let after_withdrawal = app
            .client
            .get(app.url(path))
            .header("If-None-Match", &new_etag)
            .send()
            .await
            .unwrap();
        assert_eq!(after_withdrawal.status(), 304);
    }
    // A precondition never turns an answer that would not be a 200 into a 304.
    let current = app.get("/wall").await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let missing = format!("/api/v1/stories/{}", uuid::Uuid::now_v7());
    for (path, want) in [(missing.as_str(), 404), ("/api/v1/stories?limit=abc", 400)] {
        for header in [("If-None-Match", "*"), ("If-None-Match", current.as_str())] {
            let res = app
                .client
                .get(app.url(path))
                .header(header.0, header.1)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), want, "{path} with {header:?}");
        }
    }
}

backend_tests!(
    featured_stories_stay_on_top,
    consent_and_naming_hold_on_every_surface,
    the_wall_pages_by_cursor_and_filters,
    validators_change_with_every_change,
);
