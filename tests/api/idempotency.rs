//! Idempotency keys, tested through the key itself: a retry is replayed after the content's
//! duplicate window has passed, another client's key is not the first client's, and requests
//! that arrive together (with one key, or with the same words) store one note, on PostgreSQL
//! as on SQLite.

use chrono::Duration as Span;
use heard::store::intake::{DUPLICATE_WINDOW_MINUTES, IDEMPOTENCY_HOURS};
use serde_json::Value;

use crate::backend_tests;
use crate::helpers::builders::{backdate_notes, seed_org};
use crate::helpers::notes::{Note, count_notes};
use crate::helpers::{Backend, TestApp, spawn_app_with, trust_loopback_proxy};

/// How many requests are sent at once in the concurrency tests.
const AT_ONCE: usize = 8;

/// What the API answered: the status, whether it said `Idempotent-Replayed: true`, the body.
#[derive(Debug)]
struct Answer {
    status: u16,
    replayed: bool,
    body: Value,
}

impl Answer {
    fn reference(&self) -> &str {
        self.body["reference"].as_str().unwrap_or_default()
    }
}

/// Posts `note` through the API as if from `ip` (the app trusts loopback as a proxy).
async fn post_from(app: &TestApp, ip: &str, note: &Note, key: Option<&str>) -> Answer {
    let mut req = app
        .client
        .post(app.url("/api/v1/feedback"))
        .header("x-forwarded-for", ip)
        .json(note.json());
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    let res = req.send().await.expect("post a note");
    let status = res.status().as_u16();
    let replayed = res
        .headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true");
    let body = res.json().await.expect("a JSON answer");
    Answer {
        status,
        replayed,
        body,
    }
}

/// These notes, all in flight together from one client; their answers, in the same order.
async fn post_together(app: &TestApp, notes: &[Note], key: Option<&str>) -> Vec<Answer> {
    let sends = notes
        .iter()
        .map(|note| post_from(app, "198.51.100.1", note, key));
    futures_util::future::join_all(sends).await
}

/// The same note `AT_ONCE` times.
fn copies(note: &Note) -> Vec<Note> {
    let words = note.json()["body"].as_str().unwrap_or_default();
    (0..AT_ONCE).map(|_| Note::thanks("maria", words)).collect()
}

async fn behind_proxy(backend: Backend) -> TestApp {
    let app = spawn_app_with(backend, trust_loopback_proxy).await;
    seed_org(&app);
    app
}

/// Older than the duplicate window, well within the key's day.
fn past_the_duplicate_window() -> Span {
    let age = Span::minutes(DUPLICATE_WINDOW_MINUTES + 5);
    assert!(age < Span::hours(IDEMPOTENCY_HOURS));
    age
}

async fn a_key_is_replayed_after_the_duplicate_window(backend: Backend) {
    let app = behind_proxy(backend).await;
    let note = Note::thanks("maria", "Maria rebooked my flight in no time.");
    let first = post_from(&app, "198.51.100.1", &note, Some("retry-7")).await;
    assert_eq!((first.status, first.replayed), (201, false), "{first:?}");
    backdate_notes(&app, past_the_duplicate_window());

    let retry = post_from(&app, "198.51.100.1", &note, Some("retry-7")).await;
    assert_eq!((retry.status, retry.replayed), (201, true), "{retry:?}");
    assert_eq!(
        retry.body, first.body,
        "the first result, receipt link and all"
    );
    assert_eq!(count_notes(&app), 1);

    // Only the key recognised it: the same words without it are a new note by now.
    let unkeyed = post_from(&app, "198.51.100.1", &note, None).await;
    assert_eq!((unkeyed.status, unkeyed.replayed), (201, false));
    assert_ne!(unkeyed.reference(), first.reference());
    assert_eq!(count_notes(&app), 2);
}

async fn another_clients_key_is_not_the_first_clients(backend: Backend) {
    let app = behind_proxy(backend).await;
    let note = Note::thanks("maria", "Maria found my lost parcel.");
    let first = post_from(&app, "198.51.100.1", &note, Some("k-1")).await;
    assert_eq!(first.status, 201, "{first:?}");
    // Past the window, so the words alone no longer make a repeat: only a key could.
    backdate_notes(&app, past_the_duplicate_window());

    let theirs = post_from(&app, "203.0.113.9", &note, Some("k-1")).await;
    assert_eq!((theirs.status, theirs.replayed), (201, false), "{theirs:?}");
    assert_ne!(theirs.reference(), first.reference());
    assert_ne!(theirs.body["receipt_url"], first.body["receipt_url"]);
    assert_eq!(count_notes(&app), 2);

    // Each client's key still leads to its own note.
    let mine = post_from(&app, "198.51.100.1", &note, Some("k-1")).await;
    assert_eq!((mine.status, mine.replayed), (201, true), "{mine:?}");
    assert_eq!(mine.body, first.body);
    let theirs_again = post_from(&app, "203.0.113.9", &note, Some("k-1")).await;
    assert_eq!(
        (theirs_again.status, theirs_again.replayed),
        (201, true),
        "{theirs_again:?}"
    );
    assert_eq!(theirs_again.body, theirs.body);
    assert_eq!(count_notes(&app), 2);
}

async fn identical_notes_sent_together_are_stored_once(backend: Backend) {
    let app = behind_proxy(backend).await;
    let note = Note::thanks("maria", "Maria stayed late to fix my router.");
    let answers = post_together(&app, &copies(&note), None).await;
    assert_eq!(count_notes(&app), 1, "{answers:#?}");
    let created: Vec<&Answer> = answers.iter().filter(|a| a.status == 201).collect();
    assert_eq!(created.len(), 1, "{answers:#?}");
    let reference = created[0].reference();
    for answer in &answers {
        assert!(
            answer.status == 201 || (answer.status == 200 && answer.body["duplicate"] == true),
            "{answer:?}"
        );
        assert_eq!(answer.reference(), reference, "{answer:?}");
    }
}

async fn requests_with_one_key_sent_together_store_one_note(backend: Backend) {
    let app = behind_proxy(backend).await;
    let note = Note::thanks("maria", "Maria sorted out my contract.");
    let answers = post_together(&app, &copies(&note), Some("once-only")).await;
    assert_eq!(count_notes(&app), 1, "{answers:#?}");
    let first = answers
        .iter()
        .find(|a| !a.replayed)
        .expect("one request stored the note");
    for answer in &answers {
        assert_eq!(answer.status, 201, "{answers:#?}");
        assert_eq!(answer.body, first.body, "{answers:#?}");
    }
    let replays = answers.iter().filter(|a| a.replayed).count();
    assert_eq!(replays, AT_ONCE - 1, "{answers:#?}");
}

async fn one_key_with_different_words_sent_together_stores_one_note(backend: Backend) {
    let app = behind_proxy(backend).await;
    let notes: Vec<Note> = (1..=AT_ONCE)
        .map(|n| Note::thanks("maria", &format!("Maria helped me, visit {n}.")))
        .collect();
    let answers = post_together(&app, &notes, Some("one-key")).await;
    assert_eq!(count_notes(&app), 1, "{answers:#?}");
    let created = answers.iter().filter(|a| a.status == 201).count();
    let refused = answers.iter().filter(|a| a.status == 422).count();
    assert_eq!((created, refused), (1, AT_ONCE - 1), "{answers:#?}");
    assert!(answers.iter().all(|a| !a.replayed), "{answers:#?}");
}

backend_tests!(
    a_key_is_replayed_after_the_duplicate_window,
    another_clients_key_is_not_the_first_clients,
    identical_notes_sent_together_are_stored_once,
    requests_with_one_key_sent_together_store_one_note,
    one_key_with_different_words_sent_together_stores_one_note,
);
