//! The complaint's journey: the customer complains about Maria; Grace acknowledges it and
//! assigns it to herself; Maria, opening the complaint about her, is offered no step and told
//! who handles it; once reps may handle their complaints, she is offered the steps, told the
//! customer will be emailed (their address hidden from her); Grace resolves it, and sees that
//! a customer without email now is told on the receipt page only; the customer's receipt and
//! emails name Grace as Maria's manager.

use super::{Journey, assert_notice, delivered, send_form, sign_in, sign_out};
use crate::helpers::notes::note_id;

const ACK: &str = "I am sorry. I am looking into it today.";
const RESOLUTION: &str = "We found a fault on the line, fixed it and credited a month.";
const AUTHOR: &str = "Grace Okafor, Maria's manager";
const EMAILED: &str = "Emailed to the customer and shown on their receipt page.";
const NO_EMAIL: &str = "The customer left no email; they see this on their receipt page.";

/// The customer sends a complaint about Maria; their receipt page's URL.
pub async fn customer_complains(j: &Journey) -> String {
    let (app, c, run) = (j.app.as_ref(), &j.customer, j.run);
    j.at("a-customer-complains");
    c.goto(&app.url("/feedback/new?kind=complaint&rep=maria"))
        .await;
    send_form(c, run.name, run.email, &run.complaint(), false).await;
    c.url().await
}

fn case_page(j: &Journey) -> String {
    format!("/staff/notes/{}", note_id(&j.app, &j.run.complaint()))
}

/// Grace opens the complaint from the open cases, acknowledges it and assigns it to herself.
pub async fn manager_acknowledges_and_assigns(j: &Journey) {
    let (app, s) = (j.app.as_ref(), &j.staff);
    j.at("the-manager-acknowledges");
    let page = case_page(j);
    s.goto(&app.url("/staff/cases")).await;
    s.press(&format!("a[href='{page}']"), &page).await;
    let hint = s.text_of("#resolve-message-hint").await;
    assert_eq!(hint.as_deref(), Some(EMAILED));
    assert!(!s.text().await.contains("left no email"));
    s.fill("#ack-message", ACK).await;
    s.press("form:has(#ack-message) button[type=submit]", &page)
        .await;
    assert_notice(s, "Acknowledged: the customer has been told.").await;
    assert!(s.text().await.contains(ACK));

    j.at("the-manager-assigns");
    s.tab_to("#assignee").await;
    s.keys("Grace").await;
    s.press("form:has(#assignee) button[type=submit]", &page)
        .await;
    assert_notice(s, "Assigned.").await;
    let history = s.text_of("#history").await.unwrap_or_default();
    assert!(history.contains("assigned it to Grace Okafor"), "{history}");
    sign_out(s).await;
}

/// Maria opens the complaint about her: no step is offered; the page says who handles it.
pub async fn rep_sees_who_handles_it(j: &Journey) {
    let (app, s) = (j.app.as_ref(), &j.staff);
    j.at("the-rep-opens-the-complaint-about-her");
    sign_in(s, app, "maria@example.com").await;
    let page = case_page(j);
    s.press(&format!("a[href='{page}']"), &page).await;
    assert!(s.text().await.contains(&j.run.complaint()));
    assert_eq!(s.count("form[action$='/case']").await, 0, "no case step");
    assert_eq!(s.count("#ack-message, #resolve-message").await, 0);
    let handled = s.text_of("#handled-by").await;
    assert_eq!(
        handled.as_deref(),
        Some("Grace Okafor, your manager, handles this complaint.")
    );
    sign_out(s).await;
}

/// Where reps handle their own complaints, Maria is offered the steps; the hint says the
/// customer is emailed, though she does not see their address.
pub async fn rep_may_handle_it_now(j: &Journey) {
    let (app, s) = (j.app.as_ref(), &j.staff);
    j.at("the-rep-may-handle-it-now");
    sign_in(s, app, "maria@example.com").await;
    s.goto(&app.url(&case_page(j))).await;
    let hint = s.text_of("#resolve-message-hint").await;
    assert_eq!(hint.as_deref(), Some(EMAILED));
    let page = s.text().await;
    assert!(
        !page.contains(j.run.email),
        "the address stays hidden: {page}"
    );
    assert_eq!(s.count("#handled-by").await, 0);
    sign_out(s).await;
}

/// Grace resolves the complaint; on a complaint whose customer erased it (and their email
/// address), the forms say the customer hears on their receipt page only.
pub async fn manager_resolves(j: &Journey) {
    let (app, s) = (j.app.as_ref(), &j.staff);
    j.at("the-manager-resolves");
    let page = case_page(j);
    s.goto(&app.url(&page)).await;
    s.fill("#resolve-message", RESOLUTION).await;
    s.press("form:has(#resolve-message) button[type=submit]", &page)
        .await;
    assert_notice(s, "Resolved: the customer has been told.").await;
    assert!(s.text().await.contains(RESOLUTION));

    j.at("the-manager-opens-a-complaint-without-email");
    let quiet = format!("/staff/notes/{}", j.seeded.without_email);
    s.goto(&app.url(&quiet)).await;
    let hint = s.text_of("#resolve-message-hint").await;
    assert_eq!(hint.as_deref(), Some(NO_EMAIL));
    let button = s.text_of("form:has(#ack-message) button").await;
    assert_eq!(button.as_deref(), Some("Acknowledge"));
}

/// The customer's receipt and emails say who acknowledged and resolved it.
pub async fn customer_hears_who_answered(j: &Journey, receipt: &str) {
    let (app, c, run) = (j.app.as_ref(), &j.customer, j.run);
    j.at("the-customer-hears-who-answered");
    c.goto(receipt).await;
    let page = c.text().await;
    for said in [
        format!("Acknowledged by {AUTHOR}."),
        format!("Resolved by {AUTHOR}."),
        RESOLUTION.to_owned(),
    ] {
        assert!(page.contains(&said), "the receipt says {said:?}: {page}");
    }
    let mail = delivered(app, run.email, &[ACK]).await;
    assert!(
        mail.contains(&format!("{AUTHOR}, has read your message")),
        "{mail}"
    );
    let mail = delivered(app, run.email, &[RESOLUTION]).await;
    assert!(mail.contains(&format!("{AUTHOR}, has resolved")), "{mail}");
}
