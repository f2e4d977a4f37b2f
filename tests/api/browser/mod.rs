//! Journeys as people live them, in real headless Chromium driven over WebDriver, every form
//! completed with the keyboard alone (Tab, typing, Space, Enter): a customer on a phone
//! thanks a rep; the manager redacts and publishes it; the customer withdraws consent; a
//! complaint is acknowledged and resolved. Emails reach a real SMTP server. When a step
//! fails, screenshots of both browsers go to `target/browser-failures/`.
//!
//! Skipped, with a note, where Chromium and chromedriver are not on `PATH`; failed instead
//! under `CI=true`.

mod finding;
mod pages;
mod webdriver;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use webdriver::{Browser, CONTROL};

use crate::helpers::builders::seed_org;
use crate::helpers::staff::{PASSWORD, set_passwords};
use crate::helpers::{Backend, TestApp, spawn_app};

const WAIT: Duration = Duration::from_secs(15);

fn skip_note() -> bool {
    if webdriver::installed().is_none() {
        let why = "chromium and chromedriver are not on PATH";
        crate::helpers::skip("the browser journeys", why);
        return true;
    }
    false
}

struct Journey {
    app: TestApp,
    customer: Browser,
    manager: Browser,
    step: Mutex<&'static str>,
}

impl Journey {
    fn at(&self, step: &'static str) {
        *self.step.lock().unwrap() = step;
    }
}

/// The customer fills in a thank-you or complaint form with the keyboard and sends it.
async fn send_form(b: &Browser, name: &str, email: &str, body: &str, consent: bool) {
    b.fill("#customer_name", name).await;
    b.fill("#customer_email", email).await;
    b.fill("#body", body).await;
    if consent {
        b.tab_to("#consent_publish").await;
        b.keys(" ").await;
    }
    b.press("form[action='/feedback'] button[type=submit]", "/receipt/")
        .await;
}

async fn sign_in(b: &Browser, app: &TestApp, email: &str) {
    b.goto(&app.url("/login")).await;
    b.fill("#email", email).await;
    b.fill("#password", PASSWORD).await;
    b.enter_then("/staff").await;
}

fn mails_to(app: &TestApp, who: &str, n: usize) -> Vec<crate::smtp::ReceivedMail> {
    let all = app.smtp.wait_for(0, Duration::from_secs(1));
    let mine: Vec<_> = all
        .into_iter()
        .filter(|m| m.to.iter().any(|t| t == who))
        .collect();
    assert!(
        mine.len() >= n,
        "{who} got {} emails, expected {n}",
        mine.len()
    );
    mine
}

async fn journeys(j: Arc<Journey>) {
    let app = &j.app;
    let (c, m) = (&j.customer, &j.manager);

    j.at("a-customer-thanks-on-a-phone");
    c.goto(&app.url("/to/maria")).await;
    assert!(c.text().await.contains("Maria Lopez"));
    send_form(
        c,
        "Pat Doe",
        "pat@example.com",
        "Maria found my booking under account 4417-2290 and fixed it in minutes.",
        true,
    )
    .await;
    let receipt = c.url().await;
    let page = c.text().await;
    assert!(
        page.contains("H-"),
        "the receipt shows the reference: {page}"
    );
    app.worker.drain().await.unwrap();
    app.smtp.wait_for_async(3, WAIT).await;
    assert!(
        mails_to(app, "maria@example.com", 1)[0]
            .data
            .contains("fixed it in minutes")
    );
    mails_to(app, "grace@example.com", 1);
    mails_to(app, "pat@example.com", 1);

    j.at("b-manager-redacts-and-publishes");
    sign_in(m, app, "grace@example.com").await;
    m.goto(&app.url("/staff/queue")).await;
    m.press("a[href^='/staff/stories/']", "/staff/stories/")
        .await;
    let story_page = m.url().await;
    m.tab_to("#body").await;
    m.chord(CONTROL, 'a').await;
    m.keys("Maria found my booking and fixed it in minutes.")
        .await;
    m.fill("#tags", "kindness").await;
    m.press("form[action$='/publish'] button[type=submit]", &story_page)
        .await;
    m.goto(&app.url("/wall")).await;
    let wall = m.text().await;
    assert!(
        wall.contains("Maria found my booking and fixed it in minutes."),
        "{wall}"
    );
    assert!(
        !wall.contains("4417-2290"),
        "the redacted detail is not public"
    );
    m.goto(&app.url("/wall/maria")).await;
    assert!(
        m.text()
            .await
            .contains("Maria found my booking and fixed it in minutes.")
    );

    j.at("c-customer-withdraws-consent");
    c.goto(&receipt).await;
    c.press("form[action$='/withdraw'] button[type=submit]", "/receipt/")
        .await;
    // The page asks to confirm (on the same URL), then the confirming button withdraws.
    c.wait_for_text("Withdraw your consent?").await;
    c.press("form[action$='/withdraw'] button[type=submit]", "/receipt/")
        .await;
    c.wait_for_text("Your consent is withdrawn").await;
    c.goto(&app.url("/wall")).await;
    assert!(
        !c.text().await.contains("fixed it in minutes"),
        "gone from the wall"
    );

    j.at("d-complaint-acknowledged-and-resolved");
    c.goto(&app.url("/feedback/new?kind=complaint&rep=maria"))
        .await;
    send_form(
        c,
        "Lee Chan",
        "lee@example.com",
        "I was cut off twice and nobody called back.",
        false,
    )
    .await;
    let complaint_receipt = c.url().await;
    m.goto(&app.url("/staff/cases")).await;
    m.press("table a[href^='/staff/notes/']", "/staff/notes/")
        .await;
    let case_page = m.url().await;
    m.fill("#ack-message", "I am sorry. I am looking into it today.")
        .await;
    m.press("form:has(#ack-message) button[type=submit]", "#history")
        .await;
    m.wait_for_text("looking into it today").await;
    assert!(m.text().await.contains("acknowledged"));
    m.fill(
        "#resolve-message",
        "We found a fault on the line, fixed it and credited a month.",
    )
    .await;
    m.press("form:has(#resolve-message) button[type=submit]", "#history")
        .await;
    m.wait_for_text("credited a month").await;
    assert!(
        m.url()
            .await
            .starts_with(case_page.split('#').next().unwrap())
    );
    app.worker.drain().await.unwrap();
    let mails = app.smtp.wait_for_async(8, WAIT).await;
    let to_lee: Vec<_> = mails
        .iter()
        .filter(|mail| mail.to.iter().any(|t| t == "lee@example.com"))
        .collect();
    assert!(
        to_lee
            .iter()
            .any(|mail| mail.data.contains("looking into it today"))
    );
    assert!(
        to_lee
            .iter()
            .any(|mail| mail.data.contains("credited a month"))
    );
    c.goto(&complaint_receipt).await;
    let receipt_text = c.text().await;
    assert!(receipt_text.contains("credited a month"), "{receipt_text}");
}

async fn save_screenshots(j: &Journey) {
    let step = *j.step.lock().unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-failures");
    let _ = std::fs::create_dir_all(&dir);
    for (who, b) in [("customer", &j.customer), ("manager", &j.manager)] {
        let path = dir.join(format!("{step}-{who}.png"));
        let _ = std::fs::write(&path, b.screenshot().await);
        let _ = writeln!(std::io::stderr(), "screenshot: {}", path.display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_complete_every_journey_in_chromium_with_the_keyboard() {
    if skip_note() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    seed_org(&app);
    set_passwords(&app);
    let journey = Arc::new(Journey {
        app,
        // A phone for the customer, a laptop for the manager.
        customer: Browser::start(375, 812).await,
        manager: Browser::start(1280, 900).await,
        step: Mutex::new("start"),
    });
    let outcome = tokio::spawn(journeys(journey.clone())).await;
    if let Err(failure) = outcome {
        save_screenshots(&journey).await;
        journey.customer.quit().await;
        journey.manager.quit().await;
        std::panic::resume_unwind(failure.into_panic());
    }
    journey.customer.quit().await;
    journey.manager.quit().await;
}
