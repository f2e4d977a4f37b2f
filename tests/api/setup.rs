//! `/setup` creates the first admin once, and only with the link printed at start-up.

use diesel::prelude::*;
use heard::db::schema::staff;

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, spawn_app};

fn setup_token(app: &TestApp) -> String {
    let mut conn = app.conn();
    let link = heard::app::setup_link(&mut conn, &app.address)
        .unwrap()
        .unwrap();
    link.split("token=").nth(1).unwrap().to_owned()
}

fn admins(app: &TestApp) -> Vec<(String, Option<String>)> {
    staff::table
        .filter(staff::role.eq("admin"))
        .select((staff::email, staff::password_hash))
        .load(&mut app.conn())
        .unwrap()
}

async fn post(app: &TestApp, fields: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(app.url("/setup"))
        .form(fields)
        .send()
        .await
        .unwrap()
}

async fn the_first_admin_is_created_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = setup_token(&app);

    let form = app.get(&format!("/setup?token={token}")).await;
    assert_eq!(form.status(), 200);
    let html = form.text().await.unwrap();
    assert!(html.contains("<label for=\"email\">Work email</label>"));

    let good = [
        ("token", token.as_str()),
        ("name", "Priya Natarajan"),
        ("email", "Priya@Example.com"),
        ("password", "a quiet lighthouse at dawn"),
        ("password_confirm", "a quiet lighthouse at dawn"),
    ];
    let res = post(&app, &good).await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("priya@example.com"));
    let created = admins(&app);
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].0, "priya@example.com");
    let hash = created[0].1.clone().unwrap();
    assert!(heard::domain::verify_password(
        "a quiet lighthouse at dawn",
        &hash
    ));

    // The link is spent, and with an admin there is no new one.
    let again = post(&app, &good).await;
    assert_eq!(again.status(), 403);
    assert!(again.text().await.unwrap().contains("already set up"));
    let mut conn = app.conn();
    assert_eq!(
        heard::app::setup_link(&mut conn, &app.address).unwrap(),
        None
    );
    assert_eq!(admins(&app).len(), 1);
}

async fn bad_input_is_shown_next_to_its_field_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = setup_token(&app);
    let res = post(
        &app,
        &[
            ("token", token.as_str()),
            ("name", "<b>Pat</b>"),
            ("email", "not-an-email"),
            ("password", "short"),
            ("password_confirm", "short"),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"email-error\""));
    assert!(html.contains("id=\"password-error\""));
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(
        html.contains("value=\"&lt;b&gt;Pat&lt;/b&gt;\""),
        "input is kept, escaped"
    );
    assert!(
        !html.contains("value=\"short\""),
        "passwords are never echoed"
    );
    assert!(admins(&app).is_empty());

    let mismatch = post(
        &app,
        &[
            ("token", token.as_str()),
            ("name", "Pat Doe"),
            ("email", "pat@example.com"),
            ("password", "a quiet lighthouse at dawn"),
            ("password_confirm", "a quiet lighthouse at dusk"),
        ],
    )
    .await;
    assert_eq!(mismatch.status(), 422);
    assert!(
        mismatch
            .text()
            .await
            .unwrap()
            .contains("The two passwords differ.")
    );
    assert!(admins(&app).is_empty());
}

async fn a_wrong_or_missing_token_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let _real = setup_token(&app);
    for path in ["/setup", "/setup?token=guess", "/setup?token=%3Cscript%3E"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 403, "{path}");
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("not valid or has expired")
        );
    }
    let res = post(
        &app,
        &[
            ("token", "guess"),
            ("name", "Eve"),
            ("email", "eve@example.com"),
            ("password", "a quiet lighthouse at dawn"),
            ("password_confirm", "a quiet lighthouse at dawn"),
        ],
    )
    .await;
    assert_eq!(res.status(), 403);
    assert!(admins(&app).is_empty());
}

backend_tests!(
    the_first_admin_is_created_once,
    bad_input_is_shown_next_to_its_field_and_changes_nothing,
    a_wrong_or_missing_token_is_refused,
);
