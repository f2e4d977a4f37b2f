//! A copy of a wall page that a change made stale is never confirmed as current. Every page
//! that shows the wall (the wall, a rep's wall, a story, the feed, the embed, the stories
//! API) is fetched, a story that is not the newest is withdrawn, erased, unpublished or
//! edited, and the old validators are sent back: each answer is the new page, never a 304.

use crate::backend_tests;
use crate::helpers::builders::{seed_org, story};
use crate::helpers::notes::{Note, erase_from_receipt, withdraw_from_receipt};
use crate::helpers::staff::{set_passwords, signed_in};
use crate::helpers::stories::{moderate, story_id};
use crate::helpers::{Backend, TestApp, spawn_app_with};

/// A published thank-you with these words: its story id and its receipt page.
async fn on_the_wall(app: &TestApp, words: &str) -> (String, String) {
    let sent = Note::thanks("maria", words)
        .email("c@example.com")
        .publishable()
        .send(app)
        .await;
    let id = story_id(app, words);
    story(&id).publish(app);
    (id, sent.receipt_path())
}

/// What a client kept of one page: its address and validators.
struct Copy {
    path: String,
    etag: String,
    last_modified: Option<String>,
}

async fn copies(app: &TestApp, paths: &[String]) -> Vec<Copy> {
    let mut kept = Vec::new();
    for path in paths {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        let header = |name: &str| {
            res.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        kept.push(Copy {
            path: path.clone(),
            etag: header("etag").expect("an ETag"),
            last_modified: header("last-modified"),
        });
    }
    kept
}

/// What a page answers once a story was changed so: a story's own page is gone (410) unless
/// it was only edited; every page that lists stories is still there without it.
fn answer_after(change: &str, path: &str) -> u16 {
    if path.starts_with("/stories/") && change != "edited" {
        410
    } else {
        200
    }
}

/// Sends each copy's validators back (each kind on its own, as clients do): none may be
/// confirmed, each gets the page as it is now (`answer_after`), and none may still show
/// `gone`.
async fn none_is_current(app: &TestApp, kept: &[Copy], change: &str, gone: &str) {
    for copy in kept {
        let want = answer_after(change, &copy.path);
        let mut asks = vec![("If-None-Match", copy.etag.clone())];
        if let Some(modified) = &copy.last_modified {
            asks.push(("If-Modified-Since", modified.clone()));
        }
        for (name, value) in asks {
            let res = app
                .client
                .get(app.url(&copy.path))
                .header(name, &value)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            assert_eq!(status, want, "{} after {change}, with {name}", copy.path);
            let body = res.text().await.unwrap();
            assert!(
                !body.contains(gone),
                "{} after {change} still shows {gone:?} ({status})",
                copy.path
            );
        }
    }
}

async fn no_stale_copy_survives_a_change(backend: Backend) {
    let app = spawn_app_with(backend, |a| {
        a.embed_origins = Some("https://www.example.com".into())
    })
    .await;
    seed_org(&app);
    set_passwords(&app);
    let manager = signed_in(&app, "grace@example.com").await;
    let changes = ["withdrawn", "erased", "unpublished", "edited"];
    let mut older = Vec::new();
    for change in changes {
        let words = format!("The story that will be {change}.");
        older.push((change, words.clone(), on_the_wall(&app, &words).await));
    }
    on_the_wall(&app, "The newest story stays.").await;
    for (change, words, (id, receipt)) in older {
        let paths = [
            "/wall".to_owned(),
            "/wall/maria".to_owned(),
            format!("/stories/{id}"),
            "/wall/feed.atom".to_owned(),
            "/embed/wall".to_owned(),
            "/api/v1/stories".to_owned(),
        ];
        let kept = copies(&app, &paths).await;
        for copy in &kept {
            let page = app.get(&copy.path).await.text().await.unwrap();
            assert!(page.contains(&words), "{} shows {words:?}", copy.path);
        }
        match change {
            "withdrawn" => withdraw_from_receipt(&app, &receipt).await,
            "erased" => erase_from_receipt(&app, &receipt).await,
            "unpublished" => {
                let res = moderate(&app, &manager, &id, "unpublish", &[]).await;
                assert_eq!(res.status(), 303);
            }
            _ => {
                let edit = [("body", "Words a manager tidied.")];
                let res = moderate(&app, &manager, &id, "publish", &edit).await;
                assert_eq!(res.status(), 303);
            }
        }
        none_is_current(&app, &kept, change, &words).await;
    }
}

backend_tests!(no_stale_copy_survives_a_change);
