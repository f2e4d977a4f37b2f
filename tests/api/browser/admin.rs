//! The administrator's turn: Priya sends James a new invitation and lets reps handle the
//! complaints about them; each page says what was done, and the invitation reaches James.

use serde_json::json;

use super::{Journey, assert_notice, delivered_n, received, sign_in, sign_out};

const INVITED: &str = "Priya Natarajan invited you to Heard";

pub async fn admin_invites_and_lets_reps_handle_complaints(j: &Journey) {
    let (app, s) = (j.app.as_ref(), &j.staff);
    j.at("the-admin-invites");
    sign_in(s, app, "priya@example.com").await;
    let page = format!("/staff/people/{}", app.staff_id("james"));
    s.goto(&app.url(&page)).await;
    let invited = [INVITED, "/invite/"];
    let before = received(app, "james@example.com", &invited).len();
    s.press("form[action$='/invite'] button[type=submit]", &page)
        .await;
    assert_notice(s, "Invitation sent.").await;
    delivered_n(app, "james@example.com", &invited, before + 1).await;

    j.at("the-admin-saves-settings");
    s.goto(&app.url("/staff/settings")).await;
    let allowed = "return document.querySelector('#reps_handle_cases').checked;";
    assert_eq!(s.execute(allowed, json!([])).await, json!(false));
    s.tab_to("#reps_handle_cases").await;
    s.keys(" ").await;
    s.press(
        "form[action='/staff/settings'] button[type=submit]",
        "/staff/settings",
    )
    .await;
    assert_notice(s, "Saved.").await;
    assert_eq!(s.execute(allowed, json!([])).await, json!(true));
    sign_out(s).await;
}
