//! Rotating the secret key signs no one out. With `HEARD_SECRET_KEY=new,old`, sessions, form
//! tokens and receipt links made with the old key keep working, and later emails carry the
//! customer's link unchanged; whatever is made afresh uses the new key, so once the old key is
//! dropped from the list only what the old key made stops working.

use heard::app::{AppState, ServerOptions};
use heard::config::Secret;

use crate::backend_tests;
use crate::helpers::builders::seed_org;
use crate::helpers::mail::queued;
use crate::helpers::notes::{Note, fresh_token, post_form, thanks_form};
use crate::helpers::staff::{set_passwords, signed_in};
use crate::helpers::stories::{moderate, story_id};
use crate::helpers::{Backend, TEST_SECRET, TestApp, page_as, spawn_app};

const NEW_KEY: &str = "a-new-secret-key-after-the-rotation-9876543210";

/// Starts another instance on the app's database with `key` (as `HEARD_SECRET_KEY` would give
/// it) and points the app's helpers at it; the database is all the instances share.
fn switch_to(app: &mut TestApp, key: &str) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    app.address = format!("http://{}", listener.local_addr().unwrap());
    let pool = heard::db::open(&app.settings.database).unwrap();
    let state = AppState::new(pool, app.settings.clone(), Secret::new(key));
    let server = heard::app::start(state, listener, ServerOptions { workers: 1 }).unwrap();
    tokio::spawn(server);
}

/// Posts `note` through the API with one fixed `Idempotency-Key`; the receipt URL answered.
async fn keyed(app: &TestApp, note: &Note) -> String {
    let res = app
        .client
        .post(app.url("/api/v1/feedback"))
        .header("Idempotency-Key", "rotation-retry-1")
        .json(note.json())
        .send()
        .await
        .expect("post a note");
    assert!(res.status().is_success(), "{}", res.status());
    let body: serde_json::Value = res.json().await.expect("a JSON answer");
    body["receipt_url"]
        .as_str()
        .expect("a receipt URL")
        .to_owned()
}

async fn rotating_the_key_signs_no_one_out(backend: Backend) {
    let mut app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    // Made with the old key alone.
    let grace = signed_in(&app, "grace@example.com").await;
    let words = "Maria kept my number when the line dropped.";
    let receipt = Note::thanks("maria", words)
        .customer("Pat Doe", "pat@example.com")
        .publishable()
        .send(&app)
        .await
        .receipt_path();
    let served_before = fresh_token(&app).await;
    let retried = Note::thanks("maria", "Maria found the parcel the courier had lost.");
    let first = keyed(&app, &retried).await;

    switch_to(&mut app, &format!("{NEW_KEY},{TEST_SECRET}"));
    let (status, _) = page_as(&grace, &app, "/staff").await;
    assert_eq!(
        status, 200,
        "a session from before the rotation still works"
    );
    let (status, page) = app.page(&receipt).await;
    assert_eq!(status, 200, "so does a receipt link");
    assert!(page.contains(words));
    assert_eq!(
        keyed(&app, &retried).await,
        first,
        "a retry with the same Idempotency-Key gets the link the first answer gave"
    );
    let sent = post_form(&app, &thanks_form(&served_before)).await;
    assert_eq!(sent.status(), 303, "and a form served before it");
    let story = story_id(&app, words);
    let published = moderate(&app, &grace, &story, "publish", &[("body", words)]).await;
    assert_eq!(published.status(), 303);
    let told = queued(&app, "story_published_customer");
    let told = told.iter().find(|m| m.to == "pat@example.com").unwrap();
    assert!(
        told.text.contains(&receipt),
        "a later email carries the link the customer already has: {}",
        told.text
    );
    // Made after the rotation.
    let priya = signed_in(&app, "priya@example.com").await;

    switch_to(&mut app, NEW_KEY);
    let (status, _) = page_as(&priya, &app, "/staff").await;
    assert_eq!(
        status, 200,
        "a session made after the rotation uses the new key"
    );
    let (status, _) = page_as(&grace, &app, "/staff").await;
    assert_eq!(status, 303, "once the old key is dropped, its sessions end");
    let (status, _) = app.page(&receipt).await;
    assert_eq!(status, 200, "receipt links are looked up, not re-signed");
}

backend_tests!(rotating_the_key_signs_no_one_out);
