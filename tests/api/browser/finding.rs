//! A customer on a phone, then another on a laptop, finds the person to thank by part of
//! their name, choosing among the matches inside the form; the naming choices appear once
//! consent is ticked and show the name typed.

use diesel::prelude::*;
use heard::db::schema::outbox;

use super::webdriver::Browser;
use crate::helpers::builders::{add_member, seed_org};
use crate::helpers::{Backend, spawn_app};

const NAMING: &str = "If so, how should we name you?";

async fn journey(b: &Browser, app: &crate::helpers::TestApp, words: &str) {
    b.goto(&app.url("/feedback/new")).await;
    let blank = b.text().await;
    assert!(!blank.contains(NAMING), "hidden until consent: {blank}");
    b.fill("#rep", "lopez").await;
    b.fill("#body", words).await;
    b.fill("#customer_name", "Pat Doe").await;
    b.tab_to("#consent_publish").await;
    b.keys(" ").await;
    b.wait_for_text(NAMING).await;
    b.wait_for_text("My full name: Pat Doe").await;
    assert!(b.text().await.contains("My first name and initial: Pat D."));
    // The form comes back (a new page, on /feedback) asking which of them.
    b.press("form[action='/feedback'] button[type=submit]", "/feedback")
        .await;
    assert!(b.text().await.contains("Which of them helped you?"));
    let choice = b.text().await;
    assert!(choice.contains("Ana Lopez") && choice.contains("Maria Lopez"));
    assert!(choice.contains("My full name: Pat Doe"), "kept: {choice}");
    b.tab_to("#rep_choice-ana").await;
    b.keys(" ").await;
    b.press("form[action='/feedback'] button[type=submit]", "/receipt/")
        .await;
    let to: Vec<String> = outbox::table
        .filter(outbox::body_text.like(format!("%{words}%")))
        .select(outbox::recipient)
        .load(&mut app.conn())
        .unwrap();
    assert!(to.iter().any(|t| t == "ana@example.com"), "{to:?}");
    assert!(!to.iter().any(|t| t == "maria@example.com"), "{to:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_finds_the_rep_by_name_without_leaving_the_form() {
    if super::skip_note() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    seed_org(&app);
    add_member(&app, ("Ana Lopez", "ana@example.com", "rep", "Care", "ana"));
    for (width, height, words) in [
        (375, 812, "She found my parcel."),
        (1280, 900, "She traced the missing refund."),
    ] {
        let browser = Browser::start(width, height).await;
        journey(&browser, &app, words).await;
        browser.quit().await;
    }
}
