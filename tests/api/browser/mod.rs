//! Journeys as people live them, in real headless Chromium driven over WebDriver, every form
//! completed with the keyboard alone (Tab, typing, Space, Enter), twice on one organisation:
//! once with the customer on a phone (375 px) and the staff on a laptop (1280 px), once the
//! other way round. A customer thanks a rep and complains about her; the manager acknowledges
//! and assigns the complaint and the rep sees who handles it; an admin invites someone and
//! lets reps handle their complaints, and the rep then may; the manager resolves it, reads
//! the thank-you, reviews it from the note and from the moderation email, publishes and
//! replies; the customer reads who answered, withdraws consent and meets the withdrawn
//! story's page. Every staff action's page says what it did, in its status notice.
//! Emails reach a real SMTP server. When a step fails, screenshots of both browsers go to
//! `target/browser-failures/`.
//!
//! Skipped, with a note, where Chromium and chromedriver are not on `PATH`; failed instead
//! under `CI=true`.

mod admin;
mod complaint;
mod finding;
mod pages;
mod thanks;
mod webdriver;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use webdriver::Browser;

use crate::helpers::builders::{seed_org, set_setting};
use crate::helpers::notes::{Note, erase_from_receipt};
use crate::helpers::staff::{PASSWORD, set_passwords};
use crate::helpers::stories::story_id;
use crate::helpers::{Backend, TestApp, spawn_app};

const WAIT: Duration = Duration::from_secs(15);
const PHONE: (u32, u32) = (375, 812);
const LAPTOP: (u32, u32) = (1280, 900);

fn skip_note() -> bool {
    if webdriver::installed().is_none() {
        let why = "chromium and chromedriver are not on PATH";
        crate::helpers::skip("the browser journeys", why);
        return true;
    }
    false
}

/// One pass of the journeys: the widths, who the customer is, and the word every note of
/// the pass carries, so that the second pass never mistakes the first one's notes for its own.
struct Run {
    label: &'static str,
    customer_at: (u32, u32),
    staff_at: (u32, u32),
    name: &'static str,
    email: &'static str,
    thing: &'static str,
    /// The moderation digest of this pass is the one of today plus this many days.
    digest_day: u64,
}

const RUNS: [Run; 2] = [
    Run {
        label: "customer-on-a-phone",
        customer_at: PHONE,
        staff_at: LAPTOP,
        name: "Pat Doe",
        email: "pat@example.com",
        thing: "booking",
        digest_day: 0,
    },
    Run {
        label: "staff-on-a-phone",
        customer_at: LAPTOP,
        staff_at: PHONE,
        name: "Robin Hale",
        email: "robin@example.com",
        thing: "parcel",
        digest_day: 1,
    },
];

impl Run {
    /// The customer's thank-you, with a detail the manager redacts.
    fn thanks(&self) -> String {
        format!(
            "Maria found my {} under account 4417-2290 and fixed it in minutes.",
            self.thing
        )
    }

    fn redacted(&self) -> String {
        format!("Maria found my {} and fixed it in minutes.", self.thing)
    }

    fn complaint(&self) -> String {
        format!(
            "I was cut off twice about my {} and nobody called back.",
            self.thing
        )
    }
}

/// What a pass finds already there: a story waiting to be declined, one on the wall to be
/// withdrawn, a complaint its customer erased (their email address with it), and reps who
/// may not handle complaints about themselves (the default).
struct Seeded {
    to_decline: String,
    to_withdraw: String,
    without_email: String,
}

async fn seed(app: &TestApp, run: &Run) -> Seeded {
    let waiting = format!("Maria was lovely about my {}.", run.thing);
    Note::thanks("maria", &waiting)
        .customer(run.name, run.email)
        .publishable()
        .send(app)
        .await;
    let on_wall = format!("Maria sorted my {} in one call.", run.thing);
    let to_withdraw = Note::thanks("maria", &on_wall)
        .publishable()
        .published(app, &["kindness"])
        .await;
    let erased = Note::complaint("maria", &format!("Nobody answered about my {}.", run.thing))
        .email("gone@example.com")
        .send(app)
        .await;
    erase_from_receipt(app, &erased.receipt_path()).await;
    set_setting(app, "reps_handle_cases", 0);
    Seeded {
        to_decline: story_id(app, &waiting),
        to_withdraw,
        without_email: erased.id,
    }
}

struct Journey {
    app: Arc<TestApp>,
    run: &'static Run,
    seeded: Seeded,
    customer: Browser,
    staff: Browser,
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

async fn sign_out(b: &Browser) {
    b.press("form[action='/logout'] button[type=submit]", "/login")
        .await;
}

/// The status notice a staff action's page shows, which must say `said`.
async fn assert_notice(b: &Browser, said: &str) {
    let notice = b.text_of("p.notice[role=status]").await;
    assert_eq!(notice.as_deref(), Some(said), "the page's status notice");
}

/// The texts of the emails the mail server has received for `to` with all of `words` in
/// them (soft line breaks of quoted-printable undone), oldest first.
fn received(app: &TestApp, to: &str, words: &[&str]) -> Vec<String> {
    app.smtp
        .wait_for(0, Duration::ZERO)
        .into_iter()
        .filter(|mail| mail.to.iter().any(|t| t == to))
        .map(|mail| mail.data.replace("=\r\n", "").replace("=\n", ""))
        .filter(|text| words.iter().all(|w| text.contains(w)))
        .collect()
}

/// Waits until `to` has received `n` emails with all of `words` (the worker sending what
/// is due); the latest one's text.
async fn delivered_n(app: &TestApp, to: &str, words: &[&str], n: usize) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        app.worker.drain().await.expect("send the outbox");
        let mut found = received(app, to, words);
        if found.len() >= n {
            return found.pop().unwrap_or_default();
        }
        assert!(
            Instant::now() < deadline,
            "{to} received {} emails that say {words:?}, not {n}",
            found.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The text of an email `to` received with all of `words` in it.
async fn delivered(app: &TestApp, to: &str, words: &[&str]) -> String {
    delivered_n(app, to, words, 1).await
}

/// One pass: the customer's browser and the staff's take turns, as the people would.
async fn journeys(j: Arc<Journey>) {
    let j = j.as_ref();
    let thanks_receipt = thanks::customer_thanks(j).await;
    let complaint_receipt = complaint::customer_complains(j).await;
    sign_in(&j.staff, &j.app, "grace@example.com").await;
    complaint::manager_acknowledges_and_assigns(j).await;
    complaint::rep_sees_who_handles_it(j).await;
    admin::admin_invites_and_lets_reps_handle_complaints(j).await;
    complaint::rep_may_handle_it_now(j).await;
    sign_in(&j.staff, &j.app, "grace@example.com").await;
    complaint::manager_resolves(j).await;
    thanks::manager_reads_and_reviews(j).await;
    thanks::manager_publishes_and_replies(j).await;
    thanks::customer_reads_the_reply_and_withdraws(j, &thanks_receipt).await;
    thanks::manager_declines_and_withdraws(j).await;
    complaint::customer_hears_who_answered(j, &complaint_receipt).await;
}

async fn save_screenshots(j: &Journey) {
    let step = *j.step.lock().unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-failures");
    let _ = std::fs::create_dir_all(&dir);
    for (who, b) in [("customer", &j.customer), ("staff", &j.staff)] {
        let path = dir.join(format!("{}-{step}-{who}.png", j.run.label));
        let _ = std::fs::write(&path, b.screenshot().await);
        let _ = writeln!(std::io::stderr(), "screenshot: {}", path.display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_complete_every_journey_in_chromium_with_the_keyboard() {
    if skip_note() {
        return;
    }
    let app = Arc::new(spawn_app(Backend::Sqlite).await);
    seed_org(&app);
    set_passwords(&app);
    for run in &RUNS {
        let seeded = seed(&app, run).await;
        let (customer, staff) = tokio::join!(
            Browser::start(run.customer_at.0, run.customer_at.1),
            Browser::start(run.staff_at.0, run.staff_at.1),
        );
        let journey = Arc::new(Journey {
            app: app.clone(),
            run,
            seeded,
            customer,
            staff,
            step: Mutex::new("start"),
        });
        let outcome = tokio::spawn(journeys(journey.clone())).await;
        if outcome.is_err() {
            save_screenshots(&journey).await;
        }
        journey.customer.quit().await;
        journey.staff.quit().await;
        if let Err(failure) = outcome {
            let _ = writeln!(std::io::stderr(), "failed in the pass {}", run.label);
            std::panic::resume_unwind(failure.into_panic());
        }
    }
}
