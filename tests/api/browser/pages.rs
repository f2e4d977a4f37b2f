//! Every public and staff page, visited once in one Chromium session: at 375 px none scrolls
//! sideways and each has one `h1`; axe-core finds no WCAG 2.2 A/AA violation at 375 px and
//! again at 1280 px. Staff pages come from the route table, so a new page is covered (or the
//! test asks for a value for its placeholder). The data includes words with a 200-character
//! URL-like word, on the wall, on a receipt and on the staff note page.

use std::path::PathBuf;
use std::time::Duration;

use diesel::prelude::*;
use serde_json::json;

use super::webdriver::Browser;
use super::{sign_in, skip_note};
use crate::helpers::builders::{seed_org, story};
use crate::helpers::notes::{Note, note_id, receipt_path, send_by_form};
use crate::helpers::staff::set_passwords;
use crate::helpers::stories::story_id;
use crate::helpers::{Backend, TestApp, spawn_app};

const PHONE: (u32, u32) = (375, 812);
const LAPTOP: (u32, u32) = (1280, 900);
const AXE_TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/// axe-core's script: `HEARD_TEST_AXE`, or where `.ci/run` installs it from npm.
fn axe_script() -> Option<String> {
    let path = std::env::var_os("HEARD_TEST_AXE")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| {
                PathBuf::from(home).join(".cache/heard-axe/node_modules/axe-core/axe.min.js")
            })
        })?;
    std::fs::read_to_string(path).ok()
}

/// A word no phone is wide enough for.
fn long_word() -> String {
    format!("https://example.com/{}", "track".repeat(36))
}

/// What the pages show: a published thank-you and a complaint with the long word, a story
/// waiting for review, and an email the mail server refused with a long answer.
struct Seeded {
    receipt: String,
    complaint_receipt: String,
    published: String,
    pending: String,
    thanks_note: String,
    complaint_note: String,
    server_answer: String,
}

async fn seed(app: &TestApp) -> Seeded {
    seed_org(app);
    set_passwords(app);
    let words = format!("Maria fixed my booking; the link was {}", long_word());
    let sent = send_by_form(app, &[("body", &words)]).await;
    assert_eq!(sent.status(), 303);
    let published = story_id(app, &words);
    story(&published).tagged(&["kindness"]).publish(app);
    let waiting = "Maria called me back the same day.";
    assert_eq!(send_by_form(app, &[("body", waiting)]).await.status(), 303);
    let complaint = format!("Cut off twice; the page {} was blank.", long_word());
    let complaint_sent = Note::complaint("maria", &complaint).send(app).await;
    let server_answer = format!(
        "550 5.1.1 The email account that you tried to reach does not exist: {}",
        long_word()
    );
    refuse_one_email(app, &server_answer);
    Seeded {
        receipt: receipt_path(&sent),
        complaint_receipt: complaint_sent.receipt_path(),
        published,
        pending: story_id(app, waiting),
        thanks_note: note_id(app, &words),
        complaint_note: complaint_sent.id,
        server_answer,
    }
}

/// The mail server gave up on one email, answering `answer`.
fn refuse_one_email(app: &TestApp, answer: &str) {
    use heard::db::schema::outbox;
    let mut conn = app.conn();
    let id: heard::db::ids::OutboxId = outbox::table
        .select(outbox::id)
        .first(&mut conn)
        .expect("an email");
    diesel::update(outbox::table.find(id))
        .set((outbox::status.eq("dead"), outbox::last_error.eq(answer)))
        .execute(&mut conn)
        .expect("refuse an email");
}

/// Public pages, as a customer meets them (signed out).
fn public_pages(s: &Seeded) -> Vec<String> {
    [
        "/",
        "/feedback/new",
        "/feedback/new?kind=complaint&rep=maria",
        "/to/maria",
        "/to/maria/card",
        "/reps",
        "/reps?q=maria",
        "/wall",
        "/wall/maria",
        "/wall/about",
        &format!("/stories/{}", s.published),
        "/embed/wall",
        &s.receipt,
        &s.complaint_receipt,
        "/to/nobody-by-that-name",
        "/login",
        "/password/forgot",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// Every staff page (each `GET` of the route table), its placeholders filled in.
fn staff_pages(app: &TestApp, s: &Seeded) -> Vec<String> {
    let mut pages = Vec::new();
    for (path, methods) in heard::web::routes::staff_urls() {
        if !methods.contains(&"GET") || path.ends_with(".csv") {
            continue;
        }
        let filled: Vec<String> = match path.as_str() {
            "/staff/notes/{id}" => vec![s.thanks_note.clone(), s.complaint_note.clone()],
            "/staff/stories/{id}" => vec![s.pending.clone(), s.published.clone()],
            "/staff/people/{id}" => vec![app.staff_id("maria")],
            "/staff/teams/{id}" => vec![app.team_id("Care")],
            "/staff/portfolio/{handle}" => vec!["maria".into()],
            "/invite/{token}" | "/password/reset/{token}" => vec!["not-a-token".into()],
            _ if path.contains('{') => panic!("pages.rs: give {path} a value to visit"),
            _ => vec![String::new()],
        }
        .into_iter()
        .map(|value| match path.find('{') {
            Some(at) => format!("{}{value}", &path[..at]),
            None => path.clone(),
        })
        .collect();
        pages.extend(filled);
    }
    pages.push("/staff?kind=complaint".into());
    pages
}

/// What is wrong with the page at this width, besides axe's findings.
async fn layout_problems(b: &Browser, page: &str) -> Vec<String> {
    let facts = b
        .execute(
            "return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, \
             h1: document.querySelectorAll('h1').length, \
             unlabelled: [...document.querySelectorAll('.table-wrap')].filter(w => \
               w.tabIndex !== 0 || w.getAttribute('role') !== 'region' || \
               !(w.getAttribute('aria-labelledby') || w.getAttribute('aria-label'))).length};",
            json!([]),
        )
        .await;
    let mut problems = Vec::new();
    // A phone widens its layout viewport to fit what overflows: both must stay at 375 px.
    let phone = Some(i64::from(PHONE.0));
    if facts["scroll"].as_i64() > facts["inner"].as_i64() || facts["inner"].as_i64() != phone {
        problems.push(format!(
            "{page}: scrolls sideways at 375 px ({} px wide in a {} px viewport)",
            facts["scroll"], facts["inner"]
        ));
    }
    if facts["h1"].as_i64() != Some(1) {
        problems.push(format!("{page}: has {} h1 elements, not one", facts["h1"]));
    }
    // A table that may scroll is a region a keyboard can reach and a reader can name.
    if facts["unlabelled"].as_i64() != Some(0) {
        problems.push(format!(
            "{page}: {} table regions are not focusable and labelled",
            facts["unlabelled"]
        ));
    }
    problems
}

/// axe-core's WCAG 2.2 A/AA violations on the page as it stands.
async fn axe_violations(b: &Browser, axe: &str, page: &str, width: u32) -> Vec<String> {
    if b.execute("return typeof window.axe;", json!([])).await != json!("object") {
        b.execute(&format!("{axe}\n;return true;"), json!([])).await;
    }
    let found = b
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, arguments[0]).then(
               r => done(r.violations.map(v => v.id + ': ' + v.help + ' at '
                 + v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(' | '))),
               e => done(['axe did not run: ' + e]));",
            json!([{"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}]),
        )
        .await;
    found
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| format!("{page} at {width} px: {}", v.as_str().unwrap_or_default()))
        .collect()
}

/// On a phone, the staff menu shows the person's name and Sign out, side by side.
async fn menu_problems(b: &Browser) -> Vec<String> {
    let at = b
        .execute(
            "const box = e => e.getBoundingClientRect();
             const me = box(document.querySelector('a[href=\"/staff/me\"]'));
             const out = box(document.querySelector('form[action=\"/logout\"] button'));
             return {together: Math.abs(me.top - out.top) < 4,
                     seen: me.right <= innerWidth && out.right <= innerWidth};",
            json!([]),
        )
        .await;
    if at == json!({"together": true, "seen": true}) {
        Vec::new()
    } else {
        vec![format!(
            "/staff at 375 px: the name and Sign out are not together in view: {at}"
        )]
    }
}

/// The outbox shows the mail server's whole answer, wrapped, with nothing cut.
async fn outbox_problems(b: &Browser, answer: &str) -> Vec<String> {
    let shown = b
        .execute(
            "const cell = [...document.querySelectorAll('td')]
               .find(td => td.textContent.trim() === arguments[0]);
             const wrap = document.querySelector('.table-wrap');
             return cell ? {cell: cell.scrollWidth <= cell.clientWidth,
                            table: wrap.scrollWidth <= wrap.clientWidth} : null;",
            json!([answer]),
        )
        .await;
    if shown == json!({"cell": true, "table": true}) {
        Vec::new()
    } else {
        vec![format!(
            "/staff/outbox at 1280 px: the server's answer is not shown whole: {shown}"
        )]
    }
}

async fn check_every_page(app: &TestApp, b: &Browser, axe: &str, s: &Seeded) -> Vec<String> {
    let public = public_pages(s);
    let staff = staff_pages(app, s);
    let mut problems = Vec::new();
    for (i, page) in public.iter().chain(staff.iter()).enumerate() {
        if i == public.len() {
            sign_in(b, app, "priya@example.com").await;
        }
        b.goto(&app.url(page)).await;
        problems.extend(layout_problems(b, page).await);
        problems.extend(axe_violations(b, axe, page, PHONE.0).await);
        b.resize(LAPTOP.0, LAPTOP.1).await;
        problems.extend(axe_violations(b, axe, page, LAPTOP.0).await);
        if page == "/staff" {
            problems.extend(menu_problems(b).await);
        }
        if page == "/staff/outbox" {
            problems.extend(outbox_problems(b, &s.server_answer).await);
        }
        b.resize(PHONE.0, PHONE.1).await;
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_a_phone_and_passes_axe_at_both_widths() {
    if skip_note() {
        return;
    }
    let Some(axe) = axe_script() else {
        let why = "axe-core is not installed (set HEARD_TEST_AXE, or run \
                   `npm install --prefix ~/.cache/heard-axe axe-core@4`)";
        crate::helpers::skip("the accessibility check", why);
        return;
    };
    let app = spawn_app(Backend::Sqlite).await;
    let seeded = seed(&app).await;
    let b = Browser::start(PHONE.0, PHONE.1).await;
    b.script_timeout(Duration::from_secs(60)).await;
    let problems = check_every_page(&app, &b, &axe, &seeded).await;
    b.quit().await;
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// The date field shows where the keyboard is, like every other field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_date_field_shows_its_focus() {
    if skip_note() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    seed_org(&app);
    let b = Browser::start(PHONE.0, PHONE.1).await;
    b.goto(&app.url("/to/maria")).await;
    b.tab_to("input[type=date]").await;
    let outline = b
        .execute(
            "const s = getComputedStyle(document.querySelector('input[type=date]'));
             return s.outlineStyle + ' ' + s.outlineWidth;",
            json!([]),
        )
        .await;
    b.quit().await;
    let outline = outline.as_str().unwrap_or_default().to_owned();
    assert!(
        !outline.starts_with("none") && !outline.ends_with(" 0px"),
        "the focused date field has no visible outline: {outline}"
    );
}
