//! Admins manage people and teams; invitations and password resets work once, by email.

use diesel::prelude::*;
use heard::db::schema::{audit_log, outbox, staff, teams, tokens};
use reqwest::StatusCode;

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, form_token, seed_org, spawn_app};
use crate::staff::{PASSWORD, csrf, set_passwords, sign_in_as, signed_in};

fn link_in_mail(app: &TestApp, to: &str, template: &str) -> String {
    let text: String = outbox::table
        .filter(outbox::recipient.eq(to))
        .filter(outbox::template.eq(template))
        .order(outbox::created_at.desc())
        .select(outbox::body_text)
        .first(&mut app.pool.get().unwrap())
        .unwrap_or_else(|_| panic!("no {template} email to {to}"));
    let start = text.find(&app.address).expect("a link") + app.address.len();
    text[start..].split_whitespace().next().unwrap().to_owned()
}

fn actions(app: &TestApp) -> Vec<String> {
    audit_log::table
        .select(audit_log::action)
        .load(&mut app.pool.get().unwrap())
        .unwrap()
}

async fn set_password_at(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    password: &str,
) -> reqwest::Response {
    let page = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(page.status(), 200, "{path}");
    let html = page.text().await.unwrap();
    client
        .post(app.url(path))
        .form(&[
            ("form_token", form_token(&html).as_str()),
            ("password", password),
            ("password_confirm", password),
        ])
        .send()
        .await
        .unwrap()
}

pub fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(1))
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

async fn an_invited_person_chooses_a_password_once(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let admin = signed_in(&app, "priya@example.com").await;
    let care: String = teams::table
        .filter(teams::name.eq("Care"))
        .select(teams::id)
        .first::<heard::db::ids::TeamId>(&mut app.pool.get().unwrap())
        .unwrap()
        .to_string();
    let token = csrf(&app, &admin).await;
    let res = admin
        .post(app.url("/staff/people"))
        .form(&[
            ("csrf", token.as_str()),
            ("name", "Lena Fischer"),
            ("email", "lena@example.com"),
            ("role", "rep"),
            ("team", care.as_str()),
            ("handle", ""),
            ("manager", ""),
            ("invite", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let path = link_in_mail(&app, "lena@example.com", "invitation");
    assert!(path.starts_with("/invite/"));
    let lena = plain_client();
    let res = set_password_at(&lena, &app, &path, "bright morning over the harbour").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/staff");
    assert_eq!(
        lena.get(app.url("/staff")).send().await.unwrap().status(),
        200,
        "signed in"
    );
    // The link works once.
    assert_eq!(
        plain_client()
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let (_, res) = sign_in_as(&app, "lena@example.com", "bright morning over the harbour").await;
    assert_eq!(res.status(), 303);
    let done = actions(&app);
    for action in ["staff.add", "staff.invite", "staff.accept_invitation"] {
        assert!(done.iter().any(|a| a == action), "{action} is audited");
    }
    // A duplicate email is refused next to its field.
    let res = admin
        .post(app.url("/staff/people"))
        .form(&[
            ("csrf", token.as_str()),
            ("name", "Lena F"),
            ("email", "lena@example.com"),
            ("role", "rep"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("id=\"email-error\""));
}

async fn password_resets_do_not_reveal_accounts(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let ask = |email: &'static str| {
        let client = plain_client();
        let url = app.url("/password/forgot");
        async move {
            let page = client.get(&url).send().await.unwrap().text().await.unwrap();
            let res = client
                .post(&url)
                .form(&[("email", email), ("form_token", form_token(&page).as_str())])
                .send()
                .await
                .unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };
    let known = ask("maria@example.com").await;
    let unknown = ask("nobody@example.com").await;
    assert_eq!(known, unknown, "the same answer either way");
    assert_eq!(known.0, StatusCode::OK);
    app.worker.drain().await.unwrap();
    let resets: i64 = outbox::table
        .filter(outbox::template.eq("password_reset"))
        .count()
        .get_result(&mut app.pool.get().unwrap())
        .unwrap();
    assert_eq!(resets, 1);

    let path = link_in_mail(&app, "maria@example.com", "password_reset");
    let res = set_password_at(&plain_client(), &app, &path, "short").await;
    assert_eq!(res.status(), 422, "weak passwords are refused");
    let res = set_password_at(&plain_client(), &app, &path, "a new and better passphrase").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?reset=1");
    let (_, old) = sign_in_as(&app, "maria@example.com", PASSWORD).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let (_, new) = sign_in_as(&app, "maria@example.com", "a new and better passphrase").await;
    assert_eq!(new.status(), 303);
    assert_eq!(
        plain_client()
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .status(),
        403,
        "used"
    );

    // An expired link is refused too.
    ask("grace@example.com").await;
    app.worker.drain().await.unwrap();
    let path = link_in_mail(&app, "grace@example.com", "password_reset");
    diesel::update(tokens::table)
        .set(tokens::expires_at.eq(chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1)))
        .execute(&mut app.pool.get().unwrap())
        .unwrap();
    assert_eq!(
        plain_client()
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

async fn deactivated_staff_cannot_sign_in_and_are_not_offered(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let maria = signed_in(&app, "maria@example.com").await;
    let admin = signed_in(&app, "priya@example.com").await;
    let id: heard::db::ids::StaffId = staff::table
        .filter(staff::handle.eq("maria"))
        .select(staff::id)
        .first(&mut app.pool.get().unwrap())
        .unwrap();
    let token = csrf(&app, &admin).await;
    let res = admin
        .post(app.url(&format!("/staff/people/{id}/active")))
        .form(&[("csrf", token.as_str()), ("active", "0")])
        .send()
        .await
        .unwrap();
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
    let me: heard::db::ids::StaffId = staff::table
        .filter(staff::handle.eq("priya"))
        .select(staff::id)
        .first(&mut app.pool.get().unwrap())
        .unwrap();
    let res = admin
        .post(app.url(&format!("/staff/people/{me}/active")))
        .form(&[("csrf", token.as_str()), ("active", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
}

async fn csv_imports_are_previewed_before_anything_is_written(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let admin = signed_in(&app, "priya@example.com").await;
    let token = csrf(&app, &admin).await;
    let count = || -> i64 {
        staff::table
            .count()
            .get_result(&mut app.pool.get().unwrap())
            .unwrap()
    };
    let before = count();
    let bad = "name,email,role,team\nLena Fischer,lena@example.com,rep,Care\nBo,not-an-email,rep,Care\nMaria Again,maria@example.com,rep,Care\n";
    for step in ["preview", "import"] {
        let res = admin
            .post(app.url("/staff/people/import"))
            .form(&[("csrf", token.as_str()), ("csv", bad), ("step", step)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        assert!(
            html.contains("email: That doesn&#x27;t look like an email address"),
            "{html}"
        );
        assert!(
            !html.contains("value=\"import\""),
            "no import button while rows are wrong"
        );
        assert_eq!(count(), before, "{step} wrote nothing");
    }
    let good = "name,email,role,team\nLena Fischer,lena@example.com,rep,Care\nTom Reyes,tom@example.com,manager,Billing\n";
    let res = admin
        .post(app.url("/staff/people/import"))
        .form(&[("csrf", token.as_str()), ("csv", good), ("step", "preview")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("value=\"import\""));
    assert_eq!(count(), before, "a preview writes nothing");
    let res = admin
        .post(app.url("/staff/people/import"))
        .form(&[("csrf", token.as_str()), ("csv", good), ("step", "import")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(count(), before + 2);
    link_in_mail(&app, "tom@example.com", "invitation");
}

async fn teams_are_managed_without_cycles(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let admin = signed_in(&app, "priya@example.com").await;
    let token = csrf(&app, &admin).await;
    let res = admin
        .post(app.url("/staff/teams"))
        .form(&[
            ("csrf", token.as_str()),
            ("name", "Customer Experience"),
            ("manager", ""),
            ("parent", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let id_of = |name: &str| -> String {
        teams::table
            .filter(teams::name.eq(name))
            .select(teams::id)
            .first::<heard::db::ids::TeamId>(&mut app.pool.get().unwrap())
            .unwrap()
            .to_string()
    };
    let (cx, care) = (id_of("Customer Experience"), id_of("Care"));
    let res = admin
        .post(app.url(&format!("/staff/teams/{care}")))
        .form(&[
            ("csrf", token.as_str()),
            ("name", "Care"),
            ("manager", ""),
            ("parent", cx.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let cycle = admin
        .post(app.url(&format!("/staff/teams/{cx}")))
        .form(&[
            ("csrf", token.as_str()),
            ("name", "Customer Experience"),
            ("manager", ""),
            ("parent", care.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(cycle.status(), 422);
    assert!(
        cycle
            .text()
            .await
            .unwrap()
            .contains("cannot sit under itself")
    );
    let duplicate = admin
        .post(app.url("/staff/teams"))
        .form(&[
            ("csrf", token.as_str()),
            ("name", "care"),
            ("manager", ""),
            ("parent", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(duplicate.status(), 422);
    // A deactivated team is no longer offered to customers.
    let res = admin
        .post(app.url(&format!("/staff/teams/{care}/active")))
        .form(&[("csrf", token.as_str()), ("active", "0")])
        .send()
        .await
        .unwrap();
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

async fn only_admins_manage_people_and_teams(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    for email in ["maria@example.com", "grace@example.com"] {
        let client = signed_in(&app, email).await;
        let token = csrf(&app, &client).await;
        for path in ["/staff/people", "/staff/teams", "/staff/people/import"] {
            assert_eq!(
                client.get(app.url(path)).send().await.unwrap().status(),
                403,
                "GET {path} as {email}"
            );
            let res = client
                .post(app.url(path))
                .form(&[
                    ("csrf", token.as_str()),
                    ("name", "X Y"),
                    ("email", "x@example.com"),
                    ("role", "admin"),
                    ("csv", "name,email,role\nX,x@example.com,admin\n"),
                    ("step", "import"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 403, "POST {path} as {email}");
        }
    }
    let admins: i64 = staff::table
        .filter(staff::role.eq("admin"))
        .count()
        .get_result(&mut app.pool.get().unwrap())
        .unwrap();
    assert_eq!(admins, 1, "nobody made themselves an admin");
}

backend_tests!(
    an_invited_person_chooses_a_password_once,
    password_resets_do_not_reveal_accounts,
    deactivated_staff_cannot_sign_in_and_are_not_offered,
    csv_imports_are_previewed_before_anything_is_written,
    teams_are_managed_without_cycles,
    only_admins_manage_people_and_teams,
);
