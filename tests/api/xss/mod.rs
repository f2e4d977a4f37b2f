//! Escaping of everything customers and staff type: over a hundred hostile strings go in
//! through every field a person controls (customer names and words, staff and team names,
//! tags, moderators' words, case messages, replies, decline reasons), and each must come out
//! whole, as text, on every kind of page that shows it: the wall (every page of it), a rep's
//! page, every story page (its `<title>` and Open Graph tags too), the embed, the feed, the
//! home page, the customer's receipt, the staff pages, the JSON API and the emails.

mod markup;
mod public;
mod staff;
mod world;

use diesel::prelude::*;
use heard::db::schema::outbox;

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, page_as, spawn_app};
use markup::Markup;
use world::World;

/// At least 100 hostile strings, none longer than 80 characters: each fits whole, with a
/// number to tell it from the others, in a name and in the first words of a case.
pub fn corpus() -> Vec<String> {
    let bases = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        "\"><script>alert(1)</script>",
        "'><img src=x onerror=alert(1)>",
        "javascript:alert(1)",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<iframe src=javascript:alert(1)>",
        "<body onload=alert(1)>",
        "<details open ontoggle=alert(1)>",
        "</textarea><script>alert(1)</script>",
        "</title><script>alert(1)</script>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<<script>alert(1)//<</script>",
        "<scr<script>ipt>alert(1)</script>",
        "<ScRiPt>alert(1)</sCrIpT>",
        "<img src=\"x\" onerror=\"alert(1)\"/>",
        "<input autofocus onfocus=alert(1)>",
        "<object data=javascript:alert(1)>",
        "<embed src=javascript:alert(1)>",
        "<![CDATA[<script>alert(1)</script>]]>",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "<style>@import 'javascript:alert(1)';</style>",
        "<meta http-equiv=refresh content=0;url=javascript:alert(1)>",
        "<base href=javascript:alert(1)//>",
    ];
    let wrappers = [
        "{}",
        "Thanks {} really",
        "{}{}",
        "\u{FF1C}script\u{FF1E}{}",
        "'{}\"",
    ];
    let corpus: Vec<String> = bases
        .iter()
        .flat_map(|base| wrappers.iter().map(move |w| w.replace("{}", base)))
        .filter(|payload| payload.chars().count() <= 80)
        .collect();
    assert!(corpus.len() >= 100, "{} payloads", corpus.len());
    corpus
}

/// Reads a page as `client`: it must answer 200 and hold nothing that would run.
pub async fn read(app: &TestApp, client: &reqwest::Client, path: &str) -> Markup {
    let (status, body) = page_as(client, app, path).await;
    assert_eq!(status, 200, "{path}");
    let page = Markup::html(&body);
    let live = page.live();
    let first = &live[..live.len().min(3)];
    assert!(live.is_empty(), "{path} lets markup through: {first:?}…");
    page
}

/// Reads a list and every page after it, following the link labelled `more`.
pub async fn read_all(
    app: &TestApp,
    client: &reqwest::Client,
    first: &str,
    more: &str,
) -> Vec<Markup> {
    let mut pages = vec![read(app, client, first).await];
    while let Some(next) = pages.last().and_then(|p| p.link(more)) {
        assert!(pages.len() < 50, "{first}: more pages than there are notes");
        pages.push(read(app, client, &next).await);
    }
    pages
}

/// `words` show whole, as text, on `page` (at `path`).
#[track_caller]
pub fn assert_shows(page: &Markup, path: &str, words: &str) {
    assert!(page.shows(words), "{path} does not show {words:?} as text");
}

/// `words` show whole, as text, on one of `pages` (the pages of `list`).
#[track_caller]
pub fn assert_listed(pages: &[Markup], list: &str, words: &str) {
    assert!(
        pages.iter().any(|p| p.shows(words)),
        "no page of {list} shows {words:?} as text"
    );
}

/// Every email's HTML holds nothing live and every payload is in one of them whole.
fn emails_show_every_payload_as_text(app: &TestApp, world: &World) {
    let mails: Vec<(String, Markup)> = outbox::table
        .select((outbox::subject, outbox::body_html))
        .load::<(String, Option<String>)>(&mut app.conn())
        .unwrap()
        .into_iter()
        .map(|(subject, html)| (subject, Markup::html(&html.unwrap_or_default())))
        .collect();
    for (subject, html) in &mails {
        let live = html.live();
        assert!(
            live.is_empty(),
            "the email {subject:?} lets through {live:?}"
        );
    }
    for words in world.emailed() {
        assert!(
            mails.iter().any(|(_, html)| html.shows(&words)),
            "no email shows {words:?} as text"
        );
    }
}

async fn every_payload_comes_out_as_text(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut world = World::build(&app, corpus()).await;
    staff::before_publication(&app, &world).await;
    world.publish(&app).await;
    public::wall_rep_and_story_pages(&app, &world).await;
    public::json(&app, &world).await;
    staff::after_publication(&app, &world).await;
    emails_show_every_payload_as_text(&app, &world);
    // Last, as it takes the stories off the wall a few at a time.
    public::home_embed_and_feed(&app, &world).await;
}

backend_tests!(every_payload_comes_out_as_text);
