//! Staff sign-in, sessions, CSRF, and what each role may see and do.

use diesel::prelude::*;
use heard::db::schema::{audit_log, feedback, staff};
use reqwest::StatusCode;

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, form_token, seed_org, spawn_app};
use crate::intake::{post, thanks_form, token};

pub const PASSWORD: &str = "a quiet lighthouse at dawn";

/// Gives everyone in the seeded organisation the same password.
pub fn set_passwords(app: &TestApp) {
    let hash = heard::domain::Password::parse(PASSWORD)
        .unwrap()
        .hash()
        .unwrap();
    diesel::update(staff::table)
        .set(staff::password_hash.eq(hash))
        .execute(&mut app.pool.get().unwrap())
        .unwrap();
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(1))
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

pub async fn sign_in_as(
    app: &TestApp,
    email: &str,
    password: &str,
) -> (reqwest::Client, reqwest::Response) {
    let client = client();
    let page = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = client
        .post(app.url("/login"))
        .form(&[
            ("email", email),
            ("password", password),
            ("next", "/staff"),
            ("form_token", form_token(&page).as_str()),
        ])
        .send()
        .await
        .unwrap();
    (client, res)
}

pub async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let (client, res) = sign_in_as(app, email, PASSWORD).await;
    assert_eq!(res.status(), 303, "{email} signs in");
    client
}

/// The CSRF token of a staff page.
pub async fn csrf(app: &TestApp, client: &reqwest::Client) -> String {
    let html = client
        .get(app.url("/staff/me"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

async fn note_for(app: &TestApp, rep: &str, body: &str) -> String {
    let mut form = thanks_form(&token(app).await);
    form.retain(|(k, _)| *k != "rep" && *k != "body");
    form.push(("rep", rep.to_owned()));
    form.push(("body", body.to_owned()));
    assert_eq!(post(app, &form).await.status(), 303);
    feedback::table
        .filter(feedback::body.eq(body))
        .select(feedback::id)
        .first::<heard::db::ids::FeedbackId>(&mut app.pool.get().unwrap())
        .unwrap()
        .to_string()
}

async fn signing_in_sets_a_safe_session_cookie(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let (client, res) = sign_in_as(&app, "Maria@Example.com", PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/staff");
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("heard_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/")
    );
    assert!(!cookie.contains("maria"), "the cookie is encrypted");
    let inbox = client.get(app.url("/staff")).send().await.unwrap();
    assert_eq!(inbox.status(), 200);
    assert!(inbox.text().await.unwrap().contains("Notes about you"));

    // A second sign-in gets a different session.
    let (_, again) = sign_in_as(&app, "maria@example.com", PASSWORD).await;
    assert_ne!(again.headers()["set-cookie"].to_str().unwrap(), cookie);

    // A tampered cookie is no session at all.
    let forged = reqwest::Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(1))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = forged
        .get(app.url("/staff"))
        .header("cookie", "heard_session=eyJzdGFmZiI6ImFkbWluIn0")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?next=/staff");
}

async fn wrong_credentials_get_one_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let (_, wrong) = sign_in_as(&app, "maria@example.com", "not the password at all").await;
    let (_, unknown) = sign_in_as(&app, "nobody@example.com", PASSWORD).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let message = "That email and password don&#x27;t match an account.";
    assert!(wrong.text().await.unwrap().contains(message));
    assert!(unknown.text().await.unwrap().contains(message));
    // Sam has left: his password no longer opens anything.
    let (_, left) = sign_in_as(&app, "sam@example.com", PASSWORD).await;
    assert_eq!(left.status(), StatusCode::UNAUTHORIZED);
}

/// Signs in as if from `ip` (the test app trusts loopback as a proxy).
pub async fn sign_in_from(
    app: &TestApp,
    ip: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let client = client();
    let page = client
        .get(app.url("/login"))
        .header("x-forwarded-for", ip)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    client
        .post(app.url("/login"))
        .header("x-forwarded-for", ip)
        .form(&[
            ("email", email),
            ("password", password),
            ("form_token", form_token(&page).as_str()),
        ])
        .send()
        .await
        .unwrap()
}

async fn wrong_passwords_slow_one_place_and_lock_no_one_out(backend: Backend) {
    let app = crate::helpers::spawn_app_with(backend, |args| {
        args.trusted_proxies = Some("127.0.0.1/32".into());
    })
    .await;
    seed_org(&app);
    set_passwords(&app);
    let attacker = "198.51.100.7";
    for n in 0..10 {
        let res = sign_in_from(&app, attacker, "grace@example.com", "guess guess guess").await;
        assert!(
            [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(&res.status()),
            "attempt {n}: {}",
            res.status()
        );
    }
    let throttled = sign_in_from(&app, attacker, "grace@example.com", PASSWORD).await;
    assert_eq!(
        throttled.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "from the attacker's address even the right password waits"
    );
    // The owner, elsewhere, signs in at once, and so does anyone else from anywhere.
    let owner = sign_in_from(&app, "203.0.113.20", "grace@example.com", PASSWORD).await;
    assert_eq!(owner.status(), 303, "the owner is not locked out");
    let v6_neighbour = sign_in_from(&app, "2001:db8:5:6::1", "grace@example.com", PASSWORD).await;
    assert_eq!(v6_neighbour.status(), 303);
    // A signed-in owner clears the slate everywhere, the attacker's address included.
    let after = sign_in_from(&app, attacker, "grace@example.com", PASSWORD).await;
    assert_eq!(
        after.status(),
        303,
        "a successful sign-in forgets the failures"
    );
    let rows: i64 = heard::db::schema::login_throttles::table
        .count()
        .get_result(&mut app.pool.get().unwrap())
        .unwrap();
    assert_eq!(rows, 0);
}

async fn a_password_reset_clears_the_throttle(backend: Backend) {
    let app = crate::helpers::spawn_app_with(backend, |args| {
        args.trusted_proxies = Some("127.0.0.1/32".into());
    })
    .await;
    seed_org(&app);
    set_passwords(&app);
    for _ in 0..8 {
        sign_in_from(&app, "198.51.100.8", "maria@example.com", "nope nope nope").await;
    }
    let waiting = sign_in_from(&app, "198.51.100.8", "maria@example.com", PASSWORD).await;
    assert_eq!(waiting.status(), StatusCode::TOO_MANY_REQUESTS);
    // Maria resets her password from that same address.
    let page = app.get("/password/forgot").await.text().await.unwrap();
    let res = app
        .client
        .post(app.url("/password/forgot"))
        .form(&[
            ("email", "maria@example.com"),
            ("form_token", form_token(&page).as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.worker.drain().await.unwrap();
    let text: String = heard::db::schema::outbox::table
        .filter(heard::db::schema::outbox::template.eq("password_reset"))
        .select(heard::db::schema::outbox::body_text)
        .first(&mut app.pool.get().unwrap())
        .unwrap();
    let start = text.find(&app.address).unwrap() + app.address.len();
    let path = text[start..].split_whitespace().next().unwrap().to_owned();
    let page = app.get(&path).await.text().await.unwrap();
    let res = app
        .client
        .post(app.url(&path))
        .form(&[
            ("password", "a brand new passphrase"),
            ("password_confirm", "a brand new passphrase"),
            ("form_token", form_token(&page).as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let back = sign_in_from(
        &app,
        "198.51.100.8",
        "maria@example.com",
        "a brand new passphrase",
    )
    .await;
    assert_eq!(back.status(), 303, "the reset cleared the throttle");
}

async fn signing_out_ends_the_session_everywhere(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let (client, res) = sign_in_as(&app, "maria@example.com", PASSWORD).await;
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let token = csrf(&app, &client).await;
    // Without the CSRF token, nothing happens.
    let refused = client
        .post(app.url("/logout"))
        .form(&[("csrf", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let res = client
        .post(app.url("/logout"))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?signed_out=1");
    // The old cookie, replayed from elsewhere, no longer works.
    let replay = client_without_cookies()
        .get(app.url("/staff"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 303);
}

fn client_without_cookies() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(1))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn state_changes_need_the_csrf_token(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let maria = signed_in(&app, "maria@example.com").await;
    let naming = |c: &reqwest::Client, csrf: &str| {
        c.post(app.url("/staff/me/naming"))
            .form(&[("csrf", csrf.to_owned()), ("public_naming", "no".into())])
            .send()
    };
    for forged in ["", "00", "deadbeef".repeat(8).as_str()] {
        assert_eq!(naming(&maria, forged).await.unwrap().status(), 403);
    }
    // Another person's token is no good either.
    let grace = signed_in(&app, "grace@example.com").await;
    let graces = csrf(&app, &grace).await;
    assert_eq!(naming(&maria, &graces).await.unwrap().status(), 403);
    let public: bool = staff::table
        .filter(staff::handle.eq("maria"))
        .select(staff::public_naming)
        .first(&mut app.pool.get().unwrap())
        .unwrap();
    assert!(public, "nothing changed");
    let ok = naming(&maria, &csrf(&app, &maria).await).await.unwrap();
    assert_eq!(ok.status(), 303);
    let public: bool = staff::table
        .filter(staff::handle.eq("maria"))
        .select(staff::public_naming)
        .first(&mut app.pool.get().unwrap())
        .unwrap();
    assert!(!public);
    let logged: i64 = audit_log::table
        .filter(audit_log::action.eq("staff.public_naming"))
        .count()
        .get_result(&mut app.pool.get().unwrap())
        .unwrap();
    assert_eq!(logged, 1);
}

async fn inboxes_show_each_role_its_own_scope(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let for_maria = note_for(&app, "maria", "Maria was patient and kind.").await;
    let for_james = note_for(&app, "james", "James fixed my bill.").await;
    let maria = signed_in(&app, "maria@example.com").await;
    let grace = signed_in(&app, "grace@example.com").await;
    let priya = signed_in(&app, "priya@example.com").await;
    let inbox = |c: reqwest::Client| {
        let url = app.url("/staff");
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let m = inbox(maria.clone()).await;
    assert!(m.contains("Maria was patient") && !m.contains("James fixed"));
    let g = inbox(grace.clone()).await;
    assert!(
        g.contains("Maria was patient") && !g.contains("James fixed"),
        "Grace manages Care only"
    );
    let p = inbox(priya.clone()).await;
    assert!(p.contains("Maria was patient") && p.contains("James fixed"));

    let get = |c: &reqwest::Client, id: &str| c.get(app.url(&format!("/staff/notes/{id}"))).send();
    let own = get(&maria, &for_maria).await.unwrap();
    assert_eq!(own.status(), 200);
    let html = own.text().await.unwrap();
    assert!(html.contains("They agreed to be published, named &ldquo;Pat D.&rdquo;"));
    assert!(
        !html.contains("pat@example.com"),
        "a rep never sees the customer's email"
    );
    assert_eq!(
        get(&maria, &for_james).await.unwrap().status(),
        404,
        "another rep's note"
    );
    assert_eq!(
        get(&grace, &for_james).await.unwrap().status(),
        404,
        "another team's note"
    );
    assert_eq!(get(&priya, &for_james).await.unwrap().status(), 200);
    assert_eq!(get(&maria, "not-an-id").await.unwrap().status(), 404);

    // Unread marks are each person's own.
    let unread = "class=\"unread-mark\"";
    assert!(m.contains(unread));
    let token = csrf(&app, &maria).await;
    let res = maria
        .post(app.url(&format!("/staff/notes/{for_maria}/read")))
        .form(&[("csrf", token.as_str()), ("read", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(!inbox(maria.clone()).await.contains(unread));
    assert!(inbox(grace.clone()).await.contains(unread));
    let forged = maria
        .post(app.url(&format!("/staff/notes/{for_james}/read")))
        .form(&[("csrf", token.as_str()), ("read", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        forged.status(),
        404,
        "a rep cannot touch another rep's note"
    );
}

/// Every staff route, with no session and with each role: allowed (2xx/3xx to where it
/// leads), 403, 404 (outside one's scope), or a redirect to sign in.
async fn every_staff_route_checks_permissions(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let maria_note = note_for(&app, "maria", "A note for Maria.").await;
    let james_note = note_for(&app, "james", "A note for James.").await;
    let id_of = |handle: &str| -> String {
        staff::table
            .filter(staff::handle.eq(handle))
            .select(staff::id)
            .first::<heard::db::ids::StaffId>(&mut app.pool.get().unwrap())
            .unwrap()
            .to_string()
    };
    let (maria_id, sam_id) = (id_of("maria"), id_of("sam"));
    let team_of = |name: &str| -> String {
        heard::db::schema::teams::table
            .filter(heard::db::schema::teams::name.eq(name))
            .select(heard::db::schema::teams::id)
            .first::<heard::db::ids::TeamId>(&mut app.pool.get().unwrap())
            .unwrap()
            .to_string()
    };
    let (care, billing) = (team_of("Care"), team_of("Billing"));
    let story_of = |body: &str| -> String {
        heard::db::schema::stories::table
            .inner_join(feedback::table)
            .filter(feedback::body.eq(body))
            .select(heard::db::schema::stories::id)
            .first::<heard::db::ids::StoryId>(&mut app.pool.get().unwrap())
            .unwrap()
            .to_string()
    };
    let (maria_story, james_story) = (story_of("A note for Maria."), story_of("A note for James."));
    let any_mail: heard::db::ids::OutboxId = heard::db::schema::outbox::table
        .select(heard::db::schema::outbox::id)
        .first(&mut app.pool.get().unwrap())
        .unwrap();
    let clients = [
        ("none", client_without_cookies()),
        ("rep", signed_in(&app, "maria@example.com").await),
        ("manager", signed_in(&app, "grace@example.com").await),
        ("admin", signed_in(&app, "priya@example.com").await),
    ];
    const LOGIN: u16 = 1;
    // (method, path, expected for none / rep / manager / admin)
    let routes: Vec<(&str, String, [u16; 4])> = vec![
        ("GET", "/staff".into(), [LOGIN, 200, 200, 200]),
        (
            "GET",
            "/staff?kind=complaint&unread=1".into(),
            [LOGIN, 200, 200, 200],
        ),
        ("GET", "/staff/me".into(), [LOGIN, 200, 200, 200]),
        ("GET", "/staff/audit".into(), [LOGIN, 403, 403, 200]),
        (
            "GET",
            format!("/staff/notes/{maria_note}"),
            [LOGIN, 200, 200, 200],
        ),
        (
            "GET",
            format!("/staff/notes/{james_note}"),
            [LOGIN, 404, 404, 200],
        ),
        (
            "POST",
            format!("/staff/notes/{maria_note}/read"),
            [LOGIN, 303, 303, 303],
        ),
        (
            "POST",
            format!("/staff/notes/{james_note}/read"),
            [LOGIN, 404, 404, 303],
        ),
        ("POST", "/staff/me/naming".into(), [LOGIN, 303, 303, 303]),
        ("GET", "/staff/people".into(), [LOGIN, 403, 403, 200]),
        ("GET", "/staff/people/import".into(), [LOGIN, 403, 403, 200]),
        ("GET", "/staff/teams".into(), [LOGIN, 403, 403, 200]),
        ("POST", "/staff/teams".into(), [LOGIN, 403, 403, 422]),
        ("POST", "/staff/people".into(), [LOGIN, 403, 403, 422]),
        (
            "POST",
            "/staff/people/import".into(),
            [LOGIN, 403, 403, 422],
        ),
        ("GET", "/staff/queue".into(), [LOGIN, 403, 200, 200]),
        (
            "GET",
            format!("/staff/people/{maria_id}"),
            [LOGIN, 403, 403, 200],
        ),
        (
            "POST",
            format!("/staff/people/{maria_id}"),
            [LOGIN, 403, 403, 422],
        ),
        (
            "POST",
            format!("/staff/people/{maria_id}/invite"),
            [LOGIN, 403, 403, 303],
        ),
        (
            "POST",
            format!("/staff/people/{sam_id}/active"),
            [LOGIN, 403, 403, 303],
        ),
        (
            "GET",
            format!("/staff/teams/{care}"),
            [LOGIN, 403, 403, 200],
        ),
        (
            "POST",
            format!("/staff/teams/{billing}"),
            [LOGIN, 403, 403, 422],
        ),
        (
            "POST",
            format!("/staff/teams/{billing}/active"),
            [LOGIN, 403, 403, 303],
        ),
        (
            "GET",
            format!("/staff/stories/{maria_story}"),
            [LOGIN, 403, 200, 200],
        ),
        (
            "GET",
            format!("/staff/stories/{james_story}"),
            [LOGIN, 403, 404, 200],
        ),
        (
            "POST",
            format!("/staff/stories/{maria_story}/publish"),
            [LOGIN, 403, 422, 422],
        ),
        (
            "POST",
            format!("/staff/stories/{maria_story}/decline"),
            [LOGIN, 403, 422, 422],
        ),
        (
            "POST",
            format!("/staff/stories/{maria_story}/unpublish"),
            [LOGIN, 403, 409, 409],
        ),
        ("GET", "/staff/cases".into(), [LOGIN, 200, 200, 200]),
        (
            "POST",
            format!("/staff/notes/{maria_note}/case"),
            [LOGIN, 400, 400, 400],
        ),
        ("GET", "/staff/outbox".into(), [LOGIN, 403, 403, 200]),
        (
            "POST",
            format!("/staff/outbox/{any_mail}/retry"),
            [LOGIN, 403, 403, 409],
        ),
        ("GET", "/staff/settings".into(), [LOGIN, 403, 403, 200]),
        ("GET", "/staff/stats".into(), [LOGIN, 200, 200, 200]),
        ("GET", "/staff/portfolio".into(), [LOGIN, 200, 200, 200]),
        (
            "GET",
            "/staff/portfolio/maria".into(),
            [LOGIN, 200, 200, 200],
        ),
        (
            "GET",
            "/staff/portfolio/james".into(),
            [LOGIN, 404, 404, 200],
        ),
        (
            "GET",
            "/staff/export/notes.csv".into(),
            [LOGIN, 403, 200, 200],
        ),
        (
            "GET",
            "/staff/export/cases.csv".into(),
            [LOGIN, 403, 200, 200],
        ),
        ("GET", "/staff/erasure".into(), [LOGIN, 403, 403, 200]),
        ("POST", "/staff/erasure".into(), [LOGIN, 403, 403, 422]),
        ("POST", "/staff/settings".into(), [LOGIN, 403, 403, 422]),
        // Last: signing out ends each client's session.
        ("POST", "/logout".into(), [LOGIN, 303, 303, 303]),
    ];
    for (method, path, expected) in &routes {
        for ((role, client), want) in clients.iter().zip(expected) {
            let token = if *role == "none" {
                String::new()
            } else {
                csrf(&app, client).await
            };
            let res = match *method {
                "GET" => client.get(app.url(path)).send().await.unwrap(),
                _ => client
                    .post(app.url(path))
                    .form(&[
                        ("csrf", token.as_str()),
                        ("read", "1"),
                        ("public_naming", "yes"),
                    ])
                    .send()
                    .await
                    .unwrap(),
            };
            let got = res.status().as_u16();
            if *want == LOGIN {
                assert_eq!(got, 303, "{method} {path} as {role}");
                let to = res.headers()["location"].to_str().unwrap();
                assert!(
                    to.starts_with("/login?next="),
                    "{method} {path} as {role} -> {to}"
                );
            } else {
                assert_eq!(got, *want, "{method} {path} as {role}");
            }
        }
    }
}

async fn a_rep_who_declines_is_not_named_on_the_wall(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    note_for(&app, "maria", "Maria sorted everything out.").await;
    diesel::update(heard::db::schema::stories::table)
        .set((
            heard::db::schema::stories::status.eq("published"),
            heard::db::schema::stories::published_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(&mut app.pool.get().unwrap())
        .unwrap();
    assert!(
        app.get("/")
            .await
            .text()
            .await
            .unwrap()
            .contains("Maria Lopez")
    );
    let maria = signed_in(&app, "maria@example.com").await;
    let token = csrf(&app, &maria).await;
    maria
        .post(app.url("/staff/me/naming"))
        .form(&[("csrf", token.as_str()), ("public_naming", "no")])
        .send()
        .await
        .unwrap();
    let home = app.get("/").await.text().await.unwrap();
    assert!(!home.contains("Maria Lopez"));
    assert!(home.contains("thanking a member of the Care team"));
}

backend_tests!(
    signing_in_sets_a_safe_session_cookie,
    wrong_credentials_get_one_answer,
    wrong_passwords_slow_one_place_and_lock_no_one_out,
    a_password_reset_clears_the_throttle,
    signing_out_ends_the_session_everywhere,
    state_changes_need_the_csrf_token,
    inboxes_show_each_role_its_own_scope,
    every_staff_route_checks_permissions,
    a_rep_who_declines_is_not_named_on_the_wall,
);

fn session_cookie(
    app: &TestApp,
    data: &heard::web::session::SessionData,
    base_url: &str,
) -> String {
    let mut args = crate::helpers::test_settings(&app.db, &app.smtp, "127.0.0.1:1");
    args.base_url = Some(base_url.into());
    let settings = std::sync::Arc::new(heard::config::Settings::load(&args).unwrap());
    let state = heard::app::AppState::new(
        app.pool.clone(),
        settings,
        heard::config::Secret::new(crate::helpers::TEST_SECRET),
    );
    heard::web::session::cookie(&state, data).to_string()
}

async fn sessions_time_out_and_are_host_only_over_https(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let (id, epoch): (heard::db::ids::StaffId, i32) = staff::table
        .filter(staff::handle.eq("maria"))
        .select((staff::id, staff::session_epoch))
        .first(&mut app.pool.get().unwrap())
        .unwrap();
    let now = chrono::Utc::now().timestamp();
    let session = |iat: i64, seen: i64| heard::web::session::SessionData {
        sid: "0123456789abcdef".into(),
        staff: id.to_string(),
        epoch,
        iat,
        seen,
    };
    let status = |cookie: String| {
        let url = app.url("/staff");
        async move {
            let pair = cookie.split(';').next().unwrap().to_owned();
            client_without_cookies()
                .get(url)
                .header("cookie", pair)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let fresh = session_cookie(&app, &session(now - 60, now - 60), &app.address);
    assert_eq!(status(fresh).await, 200);
    let idle = heard::web::session::IDLE_SECS + 60;
    let stale = session_cookie(&app, &session(now - idle, now - idle), &app.address);
    assert_eq!(status(stale).await, 303, "idle too long");
    let old = heard::web::session::ABSOLUTE_SECS + 60;
    let ancient = session_cookie(&app, &session(now - old, now - 60), &app.address);
    assert_eq!(status(ancient).await, 303, "signed in too long ago");

    let https = session_cookie(&app, &session(now, now), "https://thanks.example.com");
    assert!(https.starts_with("__Host-heard_session="), "{https}");
    assert!(https.contains("Secure") && https.contains("HttpOnly") && https.contains("Path=/"));
    assert!(!https.contains("Domain="));
}

async fn managers_see_their_sub_teams(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    // Billing becomes part of Care: Grace now manages both.
    let care: heard::db::ids::TeamId = heard::db::schema::teams::table
        .filter(heard::db::schema::teams::name.eq("Care"))
        .select(heard::db::schema::teams::id)
        .first(&mut app.pool.get().unwrap())
        .unwrap();
    diesel::update(
        heard::db::schema::teams::table.filter(heard::db::schema::teams::name.eq("Billing")),
    )
    .set(heard::db::schema::teams::parent_id.eq(&care))
    .execute(&mut app.pool.get().unwrap())
    .unwrap();
    let for_james = note_for(&app, "james", "James in Billing was great.").await;
    let grace = signed_in(&app, "grace@example.com").await;
    let res = grace
        .get(app.url(&format!("/staff/notes/{for_james}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let maria = signed_in(&app, "maria@example.com").await;
    let res = maria
        .get(app.url(&format!("/staff/notes/{for_james}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

backend_tests!(
    sessions_time_out_and_are_host_only_over_https,
    managers_see_their_sub_teams
);
