//! Admins manage people and teams; invitations and password resets work once, by email.

use diesel::prelude::*;
use heard::db::schema::{audit_log, outbox, staff};
use reqwest::StatusCode;

use crate::backend_tests;
use crate::helpers::builders::{expire_tokens, seed_org};
use crate::helpers::mail::link_in_mail;
use crate::helpers::staff::{
    PASSWORD, request_reset, set_password_at, set_passwords, sign_in_as, signed_in, staff_post,
};
use crate::helpers::{Backend, TestApp, browser, page_as, spawn_app};

fn actions(app: &TestApp) -> Vec<String> {
    audit_log::table
        .select(audit_log::action)
        .load(&mut app.conn())
        .unwrap()
}

/// Follows a staff action's redirect and reads the status notice on the page it lands on.
pub async fn notice_after(
    app: &TestApp,
    client: &reqwest::Client,
    res: reqwest::Response,
) -> String {
    assert_eq!(res.status(), 303, "the action worked");
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    let (_, html) = page_as(client, app, &to).await;
    let start = html
        .find("<p class=\"notice\" role=\"status\">")
        .unwrap_or_else(|| panic!("a status notice on {to}"));
    let rest = &html[start..];
    let end = rest.find("</p>").unwrap();
    rest[rest.find('>').unwrap() + 1..end].to_owned()
}

async fn an_invited_person_chooses_a_password_once(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let admin = signed_in(&app, "priya@example.com").await;
    let care = app.team_id("Care");
    let res = staff_post(
        &app,
        &admin,
        "/staff/people",
        &[
            ("name", "Lena Fischer"),
            ("email", "lena@example.com"),
            ("role", "rep"),
            ("team", care.as_str()),
            ("handle", ""),
            ("manager", ""),
            ("invite", "on"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let path = link_in_mail(&app, "lena@example.com", "invitation");
    assert!(path.starts_with("/invite/"));
    let lena = browser();
    let res = set_password_at(&app, &lena, &path, "bright morning over the harbour").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/staff");
    assert_eq!(
        lena.get(app.url("/staff")).send().await.unwrap().status(),
        200,
        "signed in"
    );
    // The link works once.
    assert_eq!(
        browser().get(app.url(&path)).send().await.unwrap().status(),
        403
    );
    let (_, res) = sign_in_as(&app, "lena@example.com", "bright morning over the harbour").await;
    assert_eq!(res.status(), 303);
    let done = actions(&app);
    for action in ["staff.add", "staff.invite", "staff.accept_invitation"] {
        assert!(done.iter().any(|a| a == action), "{action} is audited");
    }
    // A duplicate email is refused next to its field.
    let res = staff_post(
        &app,
        &admin,
        "/staff/people",
        &[
            ("name", "Lena F"),
            ("email", "lena@example.com"),
            ("role", "rep"),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("id=\"email-error\""));
}

async fn password_resets_do_not_reveal_accounts(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let ask = async |email: &str| {
        let res = request_reset(&app, &browser(), email).await;
        (res.status(), res.text().await.unwrap())
    };
    let known = ask("maria@example.com").await;
    let unknown = ask("nobody@example.com").await;
    assert_eq!(known, unknown, "the same answer either way");
    assert_eq!(known.0, StatusCode::OK);
    app.worker.drain().await.unwrap();
    let resets: i64 = outbox::table
        .filter(outbox::template.eq("password_reset"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(resets, 1);

    let path = link_in_mail(&app, "maria@example.com", "password_reset");
    let res = set_password_at(&app, &browser(), &path, "short").await;
    assert_eq!(res.status(), 422, "weak passwords are refused");
    let res = set_password_at(&app, &browser(), &path, "a new and better passphrase").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?reset=1");
    let (_, old) = sign_in_as(&app, "maria@example.com", PASSWORD).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let (_, new) = sign_in_as(&app, "maria@example.com", "a new and better passphrase").await;
    assert_eq!(new.status(), 303);
    assert_eq!(
        browser().get(app.url(&path)).send().await.unwrap().status(),
        403,
        "used"
    );

    // An expired link is refused too.
    ask("grace@example.com").await;
    app.worker.drain().await.unwrap();
    let path = link_in_mail(&app, "grace@example.com", "password_reset");
    expire_tokens(&app);
    assert_eq!(
        browser().get(app.url(&path)).send().await.unwrap().status(),
        403
    );
}

async fn deactivated_staff_cannot_sign_in_and_are_not_offered(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let maria = signed_in(&app, "maria@example.com").await;
    let admin = signed_in(&app, "priya@example.com").await;
    let id = app.staff_id("maria");
    let res = staff_post(
        &app,
        &admin,
        &format!("/staff/people/{id}/active"),
        &[("active", "0")],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        maria.get(app.url("/staff")).send().await.unwrap().status(),
        303,
        "her session ended"
    );
    let (_, res) = sign_in_as(&app, "maria@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/to/maria").await.status(), 404);
    assert!(
        !app.get("/reps?q=maria")
            .await
            .text()
            .await
            .unwrap()
            .contains("/to/maria")
    );
    // Admins cannot lock themselves out.
    let me = app.staff_id("priya");
    let res = staff_post(
        &app,
        &admin,
        &format!("/staff/people/{me}/active"),
        &[("active", "0")],
    )
    .await;
    assert_eq!(res.status(), 409);
}

async fn teams_are_managed_without_cycles(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let admin = signed_in(&app, "priya@example.com").await;
    let save = async |path: &str, name: &str, parent: &str| {
        let fields = [("name", name), ("manager", ""), ("parent", parent)];
        staff_post(&app, &admin, path, &fields).await
    };
    let res = save("/staff/teams", "Customer Experience", "").await;
    assert_eq!(res.status(), 303);
    let (cx, care) = (app.team_id("Customer Experience"), app.team_id("Care"));
    let res = save(&format!("/staff/teams/{care}"), "Care", &cx).await;
    assert_eq!(res.status(), 303);
    let cycle = save(&format!("/staff/teams/{cx}"), "Customer Experience", &care).await;
    assert_eq!(cycle.status(), 422);
    assert!(
        cycle
            .text()
            .await
            .unwrap()
            .contains("cannot sit under itself")
    );
    let duplicate = save("/staff/teams", "care", "").await;
    assert_eq!(duplicate.status(), 422);
    // A deactivated team is no longer offered to customers.
    let res = staff_post(
        &app,
        &admin,
        &format!("/staff/teams/{care}/active"),
        &[("active", "0")],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert!(
        !app.get("/feedback/new")
            .await
            .text()
            .await
            .unwrap()
            .contains("value=\"care\"")
    );
}

/// Below admin nobody adds people or teams, not even with a form that would make an admin.
/// (That each role's GET and POST of these URLs is refused is in the permission table.)
async fn nobody_below_admin_can_make_an_admin(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    for email in ["maria@example.com", "grace@example.com"] {
        let client = signed_in(&app, email).await;
        for path in ["/staff/people", "/staff/teams", "/staff/people/import"] {
            let res = staff_post(
                &app,
                &client,
                path,
                &[
                    ("name", "X Y"),
                    ("email", "x@example.com"),
                    ("role", "admin"),
                    ("csv", "name,email,role\nX,x@example.com,admin\n"),
                    ("step", "import"),
                ],
            )
            .await;
            assert_eq!(res.status(), 403, "POST {path} as {email}");
        }
    }
    let admins: i64 = staff::table
        .filter(staff::role.eq("admin"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(admins, 1, "nobody made themselves an admin");
}

/// Every admin action says what it did, in a notice announced to screen readers.
async fn admin_actions_confirm_themselves(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let admin = signed_in(&app, "priya@example.com").await;
    let care = app.team_id("Care");
    let person = [
        ("name", "Lena Fischer"),
        ("email", "lena@example.com"),
        ("role", "rep"),
        ("team", care.as_str()),
        ("handle", "lena"),
        ("manager", ""),
        ("invite", "on"),
    ];
    let res = staff_post(&app, &admin, "/staff/people", &person).await;
    assert_eq!(notice_after(&app, &admin, res).await, "Invitation sent.");
    let lena = format!("/staff/people/{}", app.staff_id("lena"));
    let res = staff_post(&app, &admin, &lena, &person[..6]).await;
    assert_eq!(notice_after(&app, &admin, res).await, "Saved.");
    let res = staff_post(&app, &admin, &format!("{lena}/invite"), &[]).await;
    assert_eq!(notice_after(&app, &admin, res).await, "Invitation sent.");
    let res = staff_post(&app, &admin, &format!("{lena}/active"), &[("active", "0")]).await;
    assert_eq!(
        notice_after(&app, &admin, res).await,
        "Deactivated: they can no longer sign in."
    );
    let team = [("name", "Returns"), ("manager", ""), ("parent", "")];
    let res = staff_post(&app, &admin, "/staff/teams", &team).await;
    assert_eq!(notice_after(&app, &admin, res).await, "Team created.");
    let returns = format!("/staff/teams/{}", app.team_id("Returns"));
    let res = staff_post(&app, &admin, &returns, &team).await;
    assert_eq!(notice_after(&app, &admin, res).await, "Team saved.");
    let csv = "name,email,role,team\nTom Reyes,tom@example.com,manager,Billing\n";
    let fields = [("csv", csv), ("step", "import")];
    let res = staff_post(&app, &admin, "/staff/people/import", &fields).await;
    assert_eq!(notice_after(&app, &admin, res).await, "Imported.");
    let (_, settings) = page_as(&admin, &app, "/staff/settings").await;
    let mut fields: Vec<(String, String)> = Vec::new();
    for piece in settings.split("<input").skip(1) {
        let attr = |name: &str| {
            let key = format!("{name}=\"");
            piece
                .find(&key)
                .map(|i| piece[i + key.len()..].split('"').next().unwrap().to_owned())
        };
        if let (Some(name), Some(value)) = (attr("name"), attr("value"))
            && name != "csrf"
        {
            fields.push((name, value));
        }
    }
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let res = staff_post(&app, &admin, "/staff/settings", &fields).await;
    assert_eq!(notice_after(&app, &admin, res).await, "Saved.");
}

/// A signed-in person changes their own password: the current one first, the new one twice;
/// their other sessions end, this one goes on, and the page says so.
async fn staff_change_their_password_on_their_page(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let here = signed_in(&app, "maria@example.com").await;
    let elsewhere = signed_in(&app, "maria@example.com").await;
    let new = "seven green herons by the weir";
    let change = async |current: &str, again: &str| {
        let fields = [
            ("current_password", current),
            ("password", new),
            ("password_confirm", again),
        ];
        staff_post(&app, &here, "/staff/me/password", &fields).await
    };
    let wrong = change("not my password at all", new).await;
    assert_eq!(wrong.status(), 422);
    let html = wrong.text().await.unwrap();
    assert!(
        html.contains("That is not your current password."),
        "{html}"
    );
    assert!(html.contains("role=\"alert\""));
    let differ = change(PASSWORD, "seven green herons by the wier").await;
    assert_eq!(differ.status(), 422);
    assert!(
        differ
            .text()
            .await
            .unwrap()
            .contains("The two new passwords differ.")
    );
    let (_, old) = sign_in_as(&app, "maria@example.com", PASSWORD).await;
    assert_eq!(old.status(), 303, "nothing changed yet");

    let res = change(PASSWORD, new).await;
    assert_eq!(
        notice_after(&app, &here, res).await,
        "Your password is changed. Other sessions were signed out."
    );
    assert_eq!(
        page_as(&here, &app, "/staff").await.0,
        200,
        "still signed in here"
    );
    assert_eq!(
        page_as(&elsewhere, &app, "/staff").await.0,
        303,
        "signed out elsewhere"
    );
    let (_, old) = sign_in_as(&app, "maria@example.com", PASSWORD).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let (_, fresh) = sign_in_as(&app, "maria@example.com", new).await;
    assert_eq!(fresh.status(), 303);
    let hash: Option<String> = staff::table
        .filter(staff::email.eq("maria@example.com"))
        .select(staff::password_hash)
        .first(&mut app.conn())
        .unwrap();
    assert!(hash.unwrap().starts_with("$argon2id$"));
    assert!(actions(&app).iter().any(|a| a == "staff.change_password"));
}

backend_tests!(
    staff_change_their_password_on_their_page,
    admin_actions_confirm_themselves,
    an_invited_person_chooses_a_password_once,
    password_resets_do_not_reveal_accounts,
    deactivated_staff_cannot_sign_in_and_are_not_offered,
    teams_are_managed_without_cycles,
    nobody_below_admin_can_make_an_admin,
);
