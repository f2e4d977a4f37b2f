//! The thank-you's journey: the customer thanks Maria; Grace finds it unread in her inbox,
//! opens it (now read), goes from the note and from the moderation email straight to its
//! review, redacts, publishes and replies; the customer reads the reply named for its author,
//! withdraws consent, meets the withdrawn story's page and mistypes a rep's link; Grace
//! declines one story and withdraws another.

use super::webdriver::CONTROL;
use super::{Journey, assert_notice, delivered, send_form};
use crate::helpers::notes::note_id;
use crate::helpers::stories::story_id;

const REPLY: &str = "Thank you for writing; I have passed your words on to Maria.";
const AUTHOR: &str = "Grace Okafor, Maria's manager";

/// The customer thanks Maria from her personal link, agreeing to be on the wall; their
/// receipt page's URL.
pub async fn customer_thanks(j: &Journey) -> String {
    let (app, c, run) = (j.app.as_ref(), &j.customer, j.run);
    j.at("a-customer-thanks");
    c.goto(&app.url("/to/maria")).await;
    assert!(c.text().await.contains("Maria Lopez"));
    send_form(c, run.name, run.email, &run.thanks(), true).await;
    let receipt = c.url().await;
    let page = c.text().await;
    assert!(
        page.contains("H-"),
        "the receipt shows the reference: {page}"
    );
    let words = run.thanks();
    delivered(app, "maria@example.com", &[&words]).await;
    delivered(app, "grace@example.com", &[&words]).await;
    let path = &receipt[receipt.find("/receipt/").expect("a receipt URL")..];
    let path = path.split('?').next().unwrap_or(path);
    delivered(app, run.email, &[path]).await;
    receipt
}

/// Grace opens the note from her inbox (it is unread there until she does), and its
/// "Review for the wall" button, and the moderation email's link, lead to its review.
pub async fn manager_reads_and_reviews(j: &Journey) {
    let (app, s, run) = (j.app.as_ref(), &j.staff, j.run);
    j.at("the-manager-opens-the-note");
    let note = note_id(app, &run.thanks());
    let story = story_id(app, &run.thanks());
    let (note_page, review_page) = (
        format!("/staff/notes/{note}"),
        format!("/staff/stories/{story}"),
    );
    s.goto(&app.url("/staff")).await;
    let item = format!("a[href='{note_page}']");
    let unread = s.count(".unread-mark").await;
    let listed = s.text_of(&item).await.unwrap_or_default();
    assert!(listed.contains("Unread"), "new in the inbox: {listed}");
    s.press(&item, &note_page).await;
    assert!(s.text().await.contains(&run.thanks()));
    let button = format!("a.button[href='{review_page}']");
    let label = s.text_of(&button).await;
    assert_eq!(label.as_deref(), Some("Review for the wall"));
    s.press(&button, &review_page).await;
    assert!(s.text().await.contains(&run.thanks()), "the story's review");
    s.goto(&app.url("/staff")).await;
    let listed = s.text_of(&item).await.unwrap_or_default();
    assert!(!listed.contains("Unread"), "opened, so read: {listed}");
    assert_eq!(s.count(".unread-mark").await, unread - 1);

    j.at("the-manager-follows-the-moderation-email");
    let day = heard::store::now().date() + chrono::Days::new(run.digest_day);
    heard::store::digests::moderation(&mut app.conn(), day, &app.address).expect("a digest");
    let start: String = run.thanks().chars().take(30).collect();
    let digest = delivered(app, "grace@example.com", &["Review this story:", &start]).await;
    let link = review_link(&digest, &start);
    s.goto(&link).await;
    assert_eq!(s.url().await, app.url(&review_page), "from {link}");
    assert!(s.text().await.contains(&run.thanks()));
}

/// The link under the digest's item that quotes `words`.
fn review_link(digest: &str, words: &str) -> String {
    let item = digest
        .find(words)
        .unwrap_or_else(|| panic!("the digest quotes {words:?}: {digest}"));
    let after = &digest[item..];
    let at = after.find("Review this story: ").expect("a review link") + 19;
    after[at..]
        .split_whitespace()
        .next()
        .expect("a link")
        .to_owned()
}

/// Grace redacts the account number and publishes; then replies to the customer.
pub async fn manager_publishes_and_replies(j: &Journey) {
    let (app, s, run) = (j.app.as_ref(), &j.staff, j.run);
    j.at("the-manager-redacts-and-publishes");
    let review_page = format!("/staff/stories/{}", story_id(app, &run.thanks()));
    s.goto(&app.url(&review_page)).await;
    s.tab_to("#body").await;
    s.chord(CONTROL, 'a').await;
    s.keys(&run.redacted()).await;
    s.fill("#tags", "kindness").await;
    s.press("form[action$='/publish'] button[type=submit]", &review_page)
        .await;
    assert_notice(s, "Published: the story is on the wall.").await;
    s.goto(&app.url("/wall")).await;
    let wall = s.text().await;
    assert!(wall.contains(&run.redacted()), "{wall}");
    assert!(
        !wall.contains("4417-2290"),
        "the redacted detail is not public"
    );
    s.goto(&app.url("/wall/maria")).await;
    assert!(s.text().await.contains(&run.redacted()));

    j.at("the-manager-replies");
    let note_page = format!("/staff/notes/{}", note_id(app, &run.thanks()));
    s.goto(&app.url(&note_page)).await;
    s.fill("#reply-message", REPLY).await;
    s.press("form:has(#reply-message) button[type=submit]", &note_page)
        .await;
    assert_notice(s, "Reply sent to the customer.").await;
}

/// The customer reads the reply, named for its author, on the receipt and in the email;
/// withdraws consent; finds the story's page saying what happened; mistypes Maria's link.
pub async fn customer_reads_the_reply_and_withdraws(j: &Journey, receipt: &str) {
    let (app, c, run) = (j.app.as_ref(), &j.customer, j.run);
    j.at("the-customer-reads-the-reply");
    c.goto(receipt).await;
    let page = c.text().await;
    assert!(
        page.contains(&format!("A reply from {AUTHOR}:")) && page.contains(REPLY),
        "{page}"
    );
    let mail = delivered(app, run.email, &[REPLY]).await;
    assert!(mail.contains(&format!("a reply from {AUTHOR}")), "{mail}");

    j.at("the-customer-withdraws-consent");
    let withdraw = "form[action$='/withdraw'] button[type=submit]";
    c.press(withdraw, "/receipt/").await;
    // The page asks to confirm, then the confirming button withdraws.
    assert!(c.text().await.contains("Withdraw your consent?"));
    c.press(withdraw, "/receipt/").await;
    assert!(c.text().await.contains("Your consent is withdrawn"));
    c.goto(&app.url("/wall")).await;
    assert!(
        !c.text().await.contains(&run.redacted()),
        "gone from the wall"
    );

    j.at("the-customer-meets-the-withdrawn-story");
    let story = format!("/stories/{}", story_id(app, &run.thanks()));
    assert_eq!(app.get(&story).await.status(), 410);
    c.goto(&app.url(&story)).await;
    let page = c.text().await;
    assert!(
        page.to_lowercase().contains("error 410")
            && page.contains("This story is no longer on the wall: it was withdrawn"),
        "{page}"
    );
    c.press("main a[href='/wall']", "/wall").await;
    assert!(c.text().await.contains("kindness"), "the wall's stories");

    j.at("the-customer-mistypes-a-link");
    c.goto(&app.url("/to/mraia")).await;
    let page = c.text().await;
    assert!(page.contains("There is no one at that link"), "{page}");
    c.tab_to("#q").await;
    c.chord(CONTROL, 'a').await;
    c.keys("lopez").await;
    c.enter_then("/reps").await;
    c.press("main a[href='/to/maria']", "/to/maria").await;
    assert!(c.text().await.contains("Maria Lopez"));
}

/// Grace declines a waiting story and withdraws one from the wall.
pub async fn manager_declines_and_withdraws(j: &Journey) {
    let (app, s) = (j.app.as_ref(), &j.staff);
    j.at("the-manager-declines");
    let page = format!("/staff/stories/{}", j.seeded.to_decline);
    s.goto(&app.url(&page)).await;
    s.fill(
        "#reason",
        "Thank you; the wall keeps to a few notes a week.",
    )
    .await;
    s.press("form[action$='/decline'] button[type=submit]", &page)
        .await;
    assert_notice(s, "Declined: the story will not be published.").await;

    j.at("the-manager-withdraws-a-story");
    let page = format!("/staff/stories/{}", j.seeded.to_withdraw);
    s.goto(&app.url(&page)).await;
    s.press("form[action$='/unpublish'] button[type=submit]", &page)
        .await;
    assert_notice(s, "Withdrawn: the story is no longer on the wall.").await;
    let public = format!("/stories/{}", j.seeded.to_withdraw);
    assert_eq!(app.get(&public).await.status(), 410);
}
