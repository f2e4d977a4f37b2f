//! The public wall: consent everywhere, filters and keyset pages, story pages, feed, embed,
//! the stories API, conditional GETs, and escaping of everything customers and staff type.

use diesel::prelude::*;
use heard::db::schema::{outbox, wall_version};
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::builders::{member, seed_org, team};
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

/// At least 100 hostile strings, through every field that reaches a public surface.
fn xss_corpus() -> Vec<String> {
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
    let wrappers = ["{}", "Thanks {} really", "{}{}", "\u{FF1C}script\u{FF1E}{}"];
    let mut corpus = Vec::new();
    for base in bases {
        for wrap in wrappers {
            corpus.push(wrap.replace("{}", base));
        }
    }
    corpus
}

/// Whether any of the corpus's tags or script URLs survive as markup (our own templates use
/// none of these; escaped text such as `&lt;img onerror=…` is harmless and not matched).
fn live_markup(output: &str, payload: &str) -> bool {
    const FORBIDDEN: &[&str] = &[
        "<script>",
        "<img",
        "<svg",
        "<iframe",
        "<body onload",
        "<details",
        "<math",
        "<input autofocus",
        "<object",
        "<embed",
        "<style",
        "<meta http-equiv",
        "<base",
        "<scr<",
        "href=\"javascript:",
        "src=\"javascript:",
    ];
    let lower = output.to_lowercase();
    (payload.contains('<') && output.contains(payload))
        || FORBIDDEN.iter().any(|f| lower.contains(f))
}

async fn no_payload_comes_out_as_markup(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let corpus = xss_corpus();
    assert!(corpus.len() >= 100);
    // Staff-typed fields too: a team and a rep with hostile names.
    team(&app, "Care").renamed("<img src=x onerror=alert(1)> Care");
    member(&app, "maria").renamed("Maria <script>alert(1)</script>");
    let mut ids = Vec::new();
    for (n, payload) in corpus.iter().enumerate() {
        let body = format!("{payload} #{n}");
        // Names cannot hold line breaks; everything else goes in as typed.
        let name: String = payload
            .chars()
            .filter(|c| !c.is_control())
            .take(90)
            .collect();
        let story = thanks("maria", &body)
            .customer(&name, "c@example.com")
            .display("full")
            .published(&app, &["kindness"])
            .await;
        ids.push(story);
    }
    let mut outputs = Vec::new();
    for path in [
        "/wall?limit=100",
        "/wall/feed.atom",
        "/embed/wall",
        "/api/v1/stories?limit=100",
        "/wall/maria",
        "/",
    ] {
        outputs.push((path.to_owned(), app.page(path).await.1));
    }
    for id in ids.iter().take(30) {
        outputs.push((
            format!("/stories/{id}"),
            app.page(&format!("/stories/{id}")).await.1,
        ));
    }
    let mails: Vec<(String, String)> = outbox::table
        .select((outbox::body_html, outbox::subject))
        .load::<(Option<String>, String)>(&mut app.conn())
        .unwrap()
        .into_iter()
        .map(|(html, subject)| (subject, html.unwrap_or_default()))
        .collect();
    for payload in &corpus {
        for (path, out) in &outputs {
            if path.starts_with("/api/") {
                // JSON carries the text as data; it is never markup, but it must be intact data.
                continue;
            }
            if live_markup(out, payload) {
                let lower = out.to_lowercase();
                let at = out
                    .find(payload.as_str())
                    .or_else(|| {
                        [
                            "<script>",
                            "<img",
                            "<svg",
                            "<iframe",
                            "<style",
                            "<base",
                            "<embed",
                            "<object",
                            "<math",
                            "<details",
                            "javascript:",
                        ]
                        .iter()
                        .find_map(|f| lower.find(f))
                    })
                    .unwrap_or(0);
                let context: String = out[at.saturating_sub(120)..].chars().take(240).collect();
                panic!("{path} lets {payload:?} through: …{context}…");
            }
        }
        for (subject, html) in &mails {
            assert!(
                !live_markup(html, payload),
                "an email ({subject}) lets {payload:?} through"
            );
        }
    }
    let api: Value = app
        .get("/api/v1/stories?limit=100")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        api["items"].as_array().unwrap().iter().any(|i| i["body"]
            .as_str()
            .unwrap()
            .starts_with("<script>alert(1)</script>")),
        "the API returns the words as data, unaltered"
    );
}

backend_tests!(
    featured_stories_stay_on_top,
    consent_and_naming_hold_on_every_surface,
    the_wall_pages_by_cursor_and_filters,
    validators_change_with_every_change,
    no_payload_comes_out_as_markup,
);
