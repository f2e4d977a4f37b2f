//! Staff sign-in, sessions, and what each role sees in its inbox. (Which role may
//! reach which URL at all is the table in `permissions.rs`; forged tokens are `csrf.rs`.)

use diesel::prelude::*;
use heard::db::schema::staff;
use reqwest::StatusCode;

use crate::backend_tests;
use crate::helpers::builders::{every_story, seed_org, team};
use crate::helpers::mail::link_in_mail;
use crate::helpers::notes::{Note, note_id, send_by_form};
use crate::helpers::staff::{
    PASSWORD, cookie_from, csrf, request_reset, set_password_at, set_passwords, sign_in_as,
    sign_in_from, signed_in, staff_post,
};
use crate::helpers::{
    Backend, TestApp, cookieless, page_as, spawn_app, spawn_app_with, trust_loopback_proxy,
};

/// Sends a thank-you to `rep` through the web form; the note's id.
async fn note_for(app: &TestApp, rep: &str, words: &str) -> String {
    let sent = send_by_form(app, &[("rep", rep), ("body", words)]).await;
    assert_eq!(sent.status(), 303);
    note_id(app, words)
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
    let res = cookieless()
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

async fn wrong_passwords_slow_one_place_and_lock_no_one_out(backend: Backend) {
    let app = spawn_app_with(backend, trust_loopback_proxy).await;
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
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(rows, 0);
}

async fn a_password_reset_clears_the_throttle(backend: Backend) {
    let app = spawn_app_with(backend, trust_loopback_proxy).await;
    seed_org(&app);
    set_passwords(&app);
    for _ in 0..8 {
        sign_in_from(&app, "198.51.100.8", "maria@example.com", "nope nope nope").await;
    }
    let waiting = sign_in_from(&app, "198.51.100.8", "maria@example.com", PASSWORD).await;
    assert_eq!(waiting.status(), StatusCode::TOO_MANY_REQUESTS);
    // Maria resets her password from that same address.
    let res = request_reset(&app, &app.client, "maria@example.com").await;
    assert_eq!(res.status(), 200);
    app.worker.drain().await.unwrap();
    let path = link_in_mail(&app, "maria@example.com", "password_reset");
    let res = set_password_at(&app, &app.client, &path, "a brand new passphrase").await;
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
    let cookie = cookie_from(&res);
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
    let replay = cookieless()
        .get(app.url("/staff"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 303);
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
    let inbox = async |c: &reqwest::Client| page_as(c, &app, "/staff").await.1;
    let m = inbox(&maria).await;
    assert!(m.contains("Maria was patient") && !m.contains("James fixed"));
    let g = inbox(&grace).await;
    assert!(
        g.contains("Maria was patient") && !g.contains("James fixed"),
        "Grace manages Care only"
    );
    let p = inbox(&priya).await;
    assert!(p.contains("Maria was patient") && p.contains("James fixed"));

    let get = |c: &reqwest::Client, id: &str| c.get(app.url(&format!("/staff/notes/{id}"))).send();
    let own = get(&maria, &for_maria).await.unwrap();
    assert_eq!(own.status(), 200);
    let html = own.text().await.unwrap();
    assert!(html.contains("<dt>Name on the wall</dt><dd>&ldquo;Pat D.&rdquo;</dd>"));
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
    let res = staff_post(
        &app,
        &maria,
        &format!("/staff/notes/{for_maria}/read"),
        &[("read", "1")],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert!(!inbox(&maria).await.contains(unread));
    assert!(inbox(&grace).await.contains(unread));
    let forged = staff_post(
        &app,
        &maria,
        &format!("/staff/notes/{for_james}/read"),
        &[("read", "1")],
    )
    .await;
    assert_eq!(
        forged.status(),
        404,
        "a rep cannot touch another rep's note"
    );
}

async fn a_rep_who_declines_is_not_named_on_the_wall(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    note_for(&app, "maria", "Maria sorted everything out.").await;
    every_story().publish(&app);
    assert!(app.page("/").await.1.contains("Maria Lopez"));
    let maria = signed_in(&app, "maria@example.com").await;
    staff_post(&app, &maria, "/staff/me/naming", &[("public_naming", "no")]).await;
    let (_, home) = app.page("/").await;
    assert!(!home.contains("Maria Lopez"));
    assert!(home.contains("thanking a member of the Care team"));
}

async fn opening_a_note_marks_it_read_for_that_person_only(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let id = note_for(&app, "maria", "Maria called me back twice.").await;
    let maria = signed_in(&app, "maria@example.com").await;
    let grace = signed_in(&app, "grace@example.com").await;
    let unread = "class=\"unread-mark\"";
    let unread_only = async |c: &reqwest::Client| page_as(c, &app, "/staff?unread=1").await.1;
    assert!(unread_only(&maria).await.contains("Maria called me back"));

    let (status, page) = page_as(&maria, &app, &format!("/staff/notes/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Mark as unread"),
        "the page it opened shows it read"
    );
    let (_, inbox) = page_as(&maria, &app, "/staff").await;
    assert!(!inbox.contains(unread), "read once opened");
    assert!(!unread_only(&maria).await.contains("Maria called me back"));
    assert!(
        unread_only(&grace).await.contains("Maria called me back"),
        "still unread for Grace"
    );
    // Marking it unread again sticks until it is opened again.
    let res = staff_post(
        &app,
        &maria,
        &format!("/staff/notes/{id}/read"),
        &[("read", "0")],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert!(unread_only(&maria).await.contains("Maria called me back"));
}

async fn a_reps_inbox_keeps_complaints_and_thanks_apart(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    note_for(&app, "maria", "Maria was lovely.").await;
    Note::complaint("maria", "Maria hung up on me.")
        .send(&app)
        .await;
    let maria = signed_in(&app, "maria@example.com").await;
    let (_, inbox) = page_as(&maria, &app, "/staff").await;
    let complaints = inbox
        .find(">Complaints</h2>")
        .expect("a complaints section");
    let thanks = inbox
        .find(">Thank-you notes</h2>")
        .expect("a thank-you section");
    let hung_up = inbox.find("Maria hung up").expect("the complaint");
    let lovely = inbox.find("Maria was lovely").expect("the thank-you");
    assert!(complaints < hung_up && hung_up < thanks && thanks < lovely);
    // Filtered to one kind, or for a manager, it is one list.
    let (_, only) = page_as(&maria, &app, "/staff?kind=thanks").await;
    assert!(only.contains("Maria was lovely") && !only.contains(">Complaints</h2>"));
    let grace = signed_in(&app, "grace@example.com").await;
    let (_, managers) = page_as(&grace, &app, "/staff").await;
    assert!(!managers.contains(">Complaints</h2>"));
}

backend_tests!(
    signing_in_sets_a_safe_session_cookie,
    opening_a_note_marks_it_read_for_that_person_only,
    a_reps_inbox_keeps_complaints_and_thanks_apart,
    wrong_credentials_get_one_answer,
    wrong_passwords_slow_one_place_and_lock_no_one_out,
    a_password_reset_clears_the_throttle,
    signing_out_ends_the_session_everywhere,
    inboxes_show_each_role_its_own_scope,
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
        .first(&mut app.conn())
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
            cookieless()
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
    team(&app, "Billing").sits_under("Care");
    let for_james = note_for(&app, "james", "James in Billing was great.").await;
    let path = format!("/staff/notes/{for_james}");
    let grace = signed_in(&app, "grace@example.com").await;
    assert_eq!(page_as(&grace, &app, &path).await.0, 200);
    let maria = signed_in(&app, "maria@example.com").await;
    assert_eq!(page_as(&maria, &app, &path).await.0, 404);
}

backend_tests!(
    sessions_time_out_and_are_host_only_over_https,
    managers_see_their_sub_teams
);
