//! The public side of the escaping test: every page of the wall, each rep's page and form,
//! every story page (its `<title>` and Open Graph tags), the stories API, and the home page,
//! embed and feed, which show only the newest stories and so are read again as stories are
//! withdrawn a few at a time until every one has been on them.

use std::collections::HashSet;

use serde_json::Value;

use super::markup::Markup;
use super::world::{BILLING, CARE, REPS, Thanks, World};
use super::{assert_listed, assert_shows, read};
use crate::helpers::TestApp;
use crate::helpers::notes::withdraw_note;

/// A public page, which must also never name James, who asked not to be named.
async fn read_public(app: &TestApp, path: &str) -> Markup {
    let page = read(app, &app.client, path).await;
    assert!(!page.shows(REPS[2].name), "{path} names James");
    page
}

/// Reads a public list and every page after it.
async fn read_public_all(app: &TestApp, first: &str) -> Vec<Markup> {
    let mut pages = vec![read_public(app, first).await];
    while let Some(next) = pages.last().and_then(|p| p.link("Older stories")) {
        assert!(
            pages.len() < 50,
            "{first}: more pages than there are stories"
        );
        pages.push(read_public(app, &next).await);
    }
    pages
}

/// One of `pages` shows the story whole, with its customer, rep and tag.
#[track_caller]
fn shows_story(pages: &[Markup], list: &str, t: &Thanks) {
    let page = pages
        .iter()
        .find(|p| p.shows(&t.shown))
        .unwrap_or_else(|| panic!("no page of {list} shows {:?} as text", t.shown));
    assert_shows(page, list, &t.customer);
    assert_shows(page, list, &t.rep.label());
    assert!(page.has(t.raw_tag()), "{list}: the tag {:?}", t.raw_tag());
    let link = format!("/wall?tag={}", t.raw_tag());
    assert!(page.hrefs().any(|h| h == link), "{list}: no link {link:?}");
}

pub async fn wall_rep_and_story_pages(app: &TestApp, world: &World) {
    let wall = read_public_all(app, "/wall").await;
    for t in &world.thanks {
        shows_story(&wall, "the wall", t);
    }
    for team in [CARE, BILLING] {
        assert_listed(&wall[..1], "the wall's team filter", team);
    }
    for rep in REPS.iter().filter(|r| r.named()) {
        let path = format!("/wall/{}", rep.handle);
        let pages = read_public_all(app, &path).await;
        let title = format!("{} — stories of good service — Heard", rep.name);
        assert_eq!(pages[0].text_of("title"), Some(title), "{path}: <title>");
        assert_eq!(pages[0].text_of("h1").as_deref(), Some(rep.name), "{path}");
        for t in world.thanks.iter().filter(|t| t.rep.handle == rep.handle) {
            shows_story(&pages, &path, t);
        }
        let form = read_public(app, &format!("/to/{}", rep.handle)).await;
        assert_shows(&form, "the rep's form", rep.name);
        assert_shows(&form, "the rep's form", rep.team.unwrap_or_default());
    }
    assert_eq!(app.page("/wall/james").await.0, 404);
    for t in &world.thanks {
        story_page(app, t).await;
    }
}

/// A story's page: its words, and who thanks whom in the heading, the `<title>` and the
/// tags that link previews read.
async fn story_page(app: &TestApp, t: &Thanks) {
    let path = format!("/stories/{}", t.story);
    let page = read_public(app, &path).await;
    shows_story(std::slice::from_ref(&page), &path, t);
    let title = t.title();
    let full_title = format!("{title} — Heard");
    assert_eq!(page.text_of("title"), Some(full_title), "{path}: <title>");
    assert_eq!(page.text_of("h1"), Some(title.clone()), "{path}: <h1>");
    for key in ["og:title", "twitter:title"] {
        assert_eq!(page.meta(key), Some(title.as_str()), "{path}: {key}");
    }
    assert!(
        t.shown.chars().count() <= 200,
        "the excerpt is the whole story"
    );
    for key in ["description", "og:description", "twitter:description"] {
        assert_eq!(page.meta(key), Some(t.shown.as_str()), "{path}: {key}");
    }
}

/// The stories API carries every field as data: the exact strings, with every quote
/// escaped, so nothing can end a string early.
pub async fn json(app: &TestApp, world: &World) {
    let mut items: Vec<Value> = Vec::new();
    let mut path = "/api/v1/stories?limit=100".to_owned();
    loop {
        let res = app.get(&path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], "application/json", "{path}");
        assert_eq!(res.headers()["x-content-type-options"], "nosniff", "{path}");
        let raw = res.text().await.unwrap();
        // Found whole, a quoted payload could only start with its quote, escaped.
        for payload in world.payloads().filter(|p| p.contains('"')) {
            let escaped =
                |(at, _): (usize, &str)| payload.starts_with('"') && raw[..at].ends_with('\\');
            let ok = raw.match_indices(payload).all(escaped);
            assert!(ok, "{path} has {payload:?} unescaped");
        }
        let page: Value = serde_json::from_str(&raw).expect("JSON");
        items.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next"].as_str() {
            Some(next) => path = format!("/api/v1/stories?limit=100&after={next}"),
            None => break,
        }
    }
    assert_eq!(items.len(), world.thanks.len(), "every story, once");
    for t in &world.thanks {
        let item = items
            .iter()
            .find(|i| i["id"] == t.story.as_str())
            .expect("the story in the API");
        assert_eq!(item["body"], t.shown.as_str());
        assert_eq!(item["customer"], t.customer.as_str());
        assert_eq!(item["rep"]["name"], t.rep.label().as_str());
        assert_eq!(item["rep"]["team"], t.rep.team.unwrap_or_default());
        assert!(
            item["tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g == t.raw_tag())
        );
    }
}

/// The feed, read as a feed reader reads it: nothing but Atom in it.
async fn feed(app: &TestApp) -> Markup {
    let res = app.get("/wall/feed.atom").await;
    assert_eq!(res.status(), 200);
    let feed = Markup::xml(&res.text().await.unwrap());
    let live = feed.live();
    assert!(live.is_empty(), "the feed lets markup through: {live:?}");
    feed
}

/// The home page (three stories), the embed (ten) and the feed (fifty) show the newest:
/// each story must be on each of them, whole, before it is withdrawn in its turn.
pub async fn home_embed_and_feed(app: &TestApp, world: &World) {
    let mut seen: [HashSet<usize>; 3] = Default::default();
    let mut withdrawn = HashSet::new();
    loop {
        let home = read_public(app, "/").await;
        let embed = read_public(app, "/embed/wall").await;
        let entries = feed(app).await.entries();
        let mut newest = Vec::new();
        for t in world.thanks.iter().filter(|t| !withdrawn.contains(&t.n)) {
            for (at, page) in [(0, &home), (1, &embed)] {
                if page.shows(&t.shown) {
                    assert_shows(page, "the home page or embed", &t.customer);
                    assert_shows(page, "the home page or embed", &t.rep.label());
                    seen[at].insert(t.n);
                }
            }
            if let Some(entry) = entries.iter().find(|e| e.content == t.shown) {
                assert_eq!(entry.title, t.title(), "the feed");
                assert!(entry.categories.iter().any(|c| c == t.raw_tag()));
                seen[2].insert(t.n);
            }
            if home.shows(&t.shown) {
                newest.push(t);
            }
        }
        if newest.is_empty() {
            break;
        }
        for t in newest {
            withdraw_note(app, &t.words);
            withdrawn.insert(t.n);
        }
    }
    for t in &world.thanks {
        for (at, surface) in ["the home page", "the embed", "the feed"]
            .iter()
            .enumerate()
        {
            assert!(
                seen[at].contains(&t.n),
                "{surface} never shows {:?} whole",
                t.shown
            );
        }
    }
}
