//! The organisation's brand: an admin names it and picks an accent colour and custom CSS;
//! every public page, the printed card, the embed and the emails' sender follow; a colour
//! too light to read is refused and changes nothing; cached copies of the wall go stale.

use std::time::Duration;

use crate::backend_tests;
use crate::helpers::builders::seed_org;
use crate::helpers::notes::Note;
use crate::helpers::staff::{set_passwords, signed_in, staff_post};
use crate::helpers::{Backend, TestApp, page_as, spawn_app, spawn_app_with};

const ACME: [(&str, &str); 3] = [
    ("org_name", "Acme  Telecom"),
    ("accent_colour", "#1A5E3A"),
    ("custom_css", ".hero { letter-spacing: 0.01em; }"),
];

async fn admin(app: &TestApp) -> reqwest::Client {
    seed_org(app);
    set_passwords(app);
    signed_in(app, "priya@example.com").await
}

/// The brand stylesheet a page links, if any.
fn stylesheet(html: &str) -> Option<String> {
    let at = html.find("href=\"/brand/style.css?v=")?;
    let rest = &html[at + "href=\"".len()..];
    Some(rest[..rest.find('"')?].to_owned())
}

async fn every_public_page_carries_the_brand(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = admin(&app).await;
    let story = Note::thanks("maria", "Maria stayed until the router worked.")
        .publishable()
        .published(&app, &["kindness"])
        .await;
    let (_, before) = app.page("/").await;
    assert!(before.contains("Thank someone</span>"), "{before}");
    assert_eq!(
        stylesheet(&before),
        None,
        "Heard's own look needs no extra request"
    );

    let res = staff_post(&app, &admin, "/staff/brand", &ACME).await;
    assert_eq!(res.status(), 303);
    let saved = res.headers()["location"].to_str().unwrap().to_owned();

    let (_, home) = app.page("/").await;
    assert!(home.contains("Thank someone at Acme Telecom"), "{home}");
    assert!(home.contains("<title>Acme Telecom</title>"), "{home}");
    let css_url = stylesheet(&home).expect("public pages link the brand stylesheet");
    for path in [
        "/feedback/new?kind=thanks".to_owned(),
        "/to/maria".to_owned(),
        "/wall".to_owned(),
        "/wall/maria".to_owned(),
        format!("/stories/{story}"),
        "/reps?q=maria".to_owned(),
    ] {
        let (status, html) = app.page(&path).await;
        assert_eq!(status, 200, "{path}");
        assert!(html.contains("— Acme Telecom</title>"), "{path}: {html}");
        assert_eq!(
            stylesheet(&html).as_deref(),
            Some(css_url.as_str()),
            "{path}"
        );
    }
    let (_, story_page) = app.page(&format!("/stories/{story}")).await;
    assert!(story_page.contains("<meta property=\"og:site_name\" content=\"Acme Telecom\">"));
    let (_, card) = app.page("/to/maria/card").await;
    assert!(card.contains("· Acme Telecom</p>"), "{card}");
    let (_, embed) = app.page("/embed/wall").await;
    assert!(embed.contains("More stories from Acme Telecom"), "{embed}");

    let css = app.get(&css_url).await;
    assert_eq!(css.status(), 200);
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    assert!(
        css.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let css = css.text().await.unwrap();
    assert!(css.contains("--accent: #1a5e3a;"), "{css}");
    assert!(css.contains(".hero { letter-spacing: 0.01em; }"), "{css}");
    // An old URL gets today's stylesheet, not kept for a year.
    let old = app.get("/brand/style.css?v=0000").await;
    assert_eq!(old.headers()["cache-control"], "no-cache");

    // Staff pages keep Heard's own look (custom CSS can never hide the page that undoes it),
    // and the form shows what is set.
    let (_, page) = page_as(&admin, &app, &saved).await;
    assert_eq!(stylesheet(&page), None);
    for path in ["/login", "/password/forgot"] {
        let (_, html) = app.page(path).await;
        assert_eq!(stylesheet(&html), None, "{path} keeps Heard's own look");
    }
    assert!(page.contains("value=\"Acme Telecom\""), "{page}");
    assert!(page.contains("value=\"#1a5e3a\""), "{page}");
    assert!(
        page.contains("Saved."),
        "the change confirms itself: {page}"
    );

    // A name is text wherever it goes: the title, the header, the story's meta tags.
    let hostile = [
        ("org_name", "Acme \"><script>alert(1)</script>"),
        ("accent_colour", ""),
        ("custom_css", ""),
    ];
    assert_eq!(
        staff_post(&app, &admin, "/staff/brand", &hostile)
            .await
            .status(),
        303
    );
    for path in [
        "/".to_owned(),
        format!("/stories/{story}"),
        "/to/maria/card".to_owned(),
    ] {
        let (_, html) = app.page(&path).await;
        assert!(!html.contains("<script>alert(1)"), "{path}: {html}");
        assert!(
            html.contains("Acme &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{path}: {html}"
        );
    }

    // Emptied, the brand is Heard's again.
    let empty = [("org_name", ""), ("accent_colour", ""), ("custom_css", "")];
    staff_post(&app, &admin, "/staff/brand", &empty).await;
    let (_, home) = app.page("/").await;
    assert!(home.contains("<title>Heard</title>"), "{home}");
    assert_eq!(stylesheet(&home), None);
}

async fn an_unreadable_colour_is_refused_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = admin(&app).await;
    let pale = [
        ("org_name", "Acme Telecom"),
        ("accent_colour", "#ffcc00"),
        ("custom_css", ""),
    ];
    let res = staff_post(&app, &admin, "/staff/brand", &pale).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("#ffcc00 is too light to read"), "{page}");
    assert!(
        page.contains("value=\"Acme Telecom\""),
        "what was typed is kept"
    );
    for bad in [
        [
            ("org_name", "Acme\u{202E}"),
            ("accent_colour", ""),
            ("custom_css", ""),
        ],
        [
            ("org_name", "Acme"),
            ("accent_colour", "green"),
            ("custom_css", ""),
        ],
        [
            ("org_name", "Acme"),
            ("accent_colour", ""),
            ("custom_css", "a{}\u{0}"),
        ],
    ] {
        let res = staff_post(&app, &admin, "/staff/brand", &bad).await;
        assert_eq!(res.status(), 422, "{bad:?}");
    }
    let (_, home) = app.page("/").await;
    assert!(!home.contains("Acme"), "nothing was saved: {home}");
    assert_eq!(stylesheet(&home), None);

    // Only an admin may change it.
    let grace = signed_in(&app, "grace@example.com").await;
    let res = staff_post(&app, &grace, "/staff/brand", &ACME).await;
    assert_eq!(res.status(), 403);
    let (_, home) = app.page("/").await;
    assert!(!home.contains("Acme"));
}

async fn a_cached_wall_is_stale_once_the_brand_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = admin(&app).await;
    Note::thanks("maria", "Maria fixed it first time.")
        .publishable()
        .published(&app, &[])
        .await;
    let first = app.get("/wall").await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let again = app
        .client
        .get(app.url("/wall"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "unchanged, the copy is current");
    staff_post(&app, &admin, "/staff/brand", &ACME).await;
    let after = app
        .client
        .get(app.url("/wall"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 200, "the old copy shows the old brand");
    assert!(after.text().await.unwrap().contains("Acme Telecom"));
}

/// The sender's name is the organisation's, unless `HEARD_MAIL_FROM` says otherwise.
async fn emails_come_from_the_organisation(backend: Backend) {
    for (mail_from, expected) in [
        (None, "From: \"Acme Telecom\" <heard@localhost>"),
        (
            Some("Care Team <care@example.com>"),
            "From: \"Care Team\" <care@example.com>",
        ),
        // An address without a name takes the organisation's.
        (
            Some("care@example.com"),
            "From: \"Acme Telecom\" <care@example.com>",
        ),
    ] {
        let app = spawn_app_with(backend, |args| {
            args.mail_from = mail_from.map(str::to_owned);
        })
        .await;
        let admin = admin(&app).await;
        staff_post(&app, &admin, "/staff/brand", &ACME).await;
        Note::thanks("maria", "Maria called me back as promised.")
            .send(&app)
            .await;
        app.worker.drain().await.unwrap();
        let mails = app.smtp.wait_for_async(3, Duration::from_secs(10)).await;
        for mail in &mails {
            let from = mail
                .data
                .lines()
                .find(|l| l.starts_with("From: "))
                .expect("a From header");
            assert_eq!(from, expected, "{}", mail.data);
        }
    }
}

backend_tests!(
    every_public_page_carries_the_brand,
    an_unreadable_colour_is_refused_and_changes_nothing,
    a_cached_wall_is_stale_once_the_brand_changes,
    emails_come_from_the_organisation,
);
