//! Rate limits: the customer's form and the JSON API each answer 429 with `Retry-After`
//! past the limit; on PostgreSQL all instances share one budget; an IPv6 /64 is one client.

use serde_json::Value;

use crate::backend_tests;
use crate::helpers::builders::seed_org;
use crate::helpers::notes::{Note, count_notes, fresh_token, post_form, send_by_form, thanks_form};
use crate::helpers::{
    Backend, TEST_SECRET, TestApp, postgres_available, spawn_app_with, trust_loopback_proxy,
};

async fn public_posts_are_rate_limited(backend: Backend) {
    let app = spawn_app_with(backend, |a| a.rate_limit_per_minute = Some("2".into())).await;
    seed_org(&app);
    for n in 0..2 {
        let words = format!("Thank you, note {n}");
        assert_eq!(send_by_form(&app, &[("body", &words)]).await.status(), 303);
    }
    let res = post_form(&app, &thanks_form(&fresh_token(&app).await)).await;
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    assert_eq!(count_notes(&app), 2);
}

async fn the_api_is_rate_limited(backend: Backend) {
    let app = spawn_app_with(backend, |a| a.rate_limit_per_minute = Some("1".into())).await;
    seed_org(&app);
    let note = Note::thanks("maria", "Maria found the fault in minutes.")
        .publishable()
        .on(&crate::helpers::days_ago(2), "chat");
    assert_eq!(note.post(&app).await.status(), 201);
    let res = note.post(&app).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "rate_limited");
}

/// Starts a second instance of the app on the same database, with its own pool and its
/// own in-memory state: only what is in the database is shared.
fn second_instance(app: &TestApp) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let state = heard::app::AppState::new(
        heard::db::open(&app.settings.database).unwrap(),
        app.settings.clone(),
        heard::config::Secret::new(TEST_SECRET),
    );
    let server =
        heard::app::start(state, listener, heard::app::ServerOptions { workers: 1 }).unwrap();
    tokio::spawn(server);
    address
}

async fn limited(backend: Backend, per_minute: &str) -> TestApp {
    let per_minute = per_minute.to_owned();
    let app = spawn_app_with(backend, move |args| {
        trust_loopback_proxy(args);
        args.rate_limit_per_minute = Some(per_minute);
    })
    .await;
    seed_org(&app);
    app
}

async fn post_at(address: &str, ip: &str, n: usize) -> u16 {
    reqwest::Client::new()
        .post(format!("{address}/api/v1/feedback"))
        .header("x-forwarded-for", ip)
        .json(
            Note::thanks("maria", &format!("Thanks from {ip}, number {n}."))
                .publishable()
                .json(),
        )
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// On PostgreSQL every instance counts against one budget: N instances do not allow N
/// times the limit.
#[tokio::test]
async fn instances_share_one_rate_limit_on_postgres() {
    if !postgres_available() {
        return;
    }
    let app = limited(Backend::Postgres, "3").await;
    let other = second_instance(&app);
    let ip = "198.51.100.77";
    assert_eq!(post_at(&app.address, ip, 1).await, 201);
    assert_eq!(post_at(&other, ip, 2).await, 201);
    assert_eq!(post_at(&app.address, ip, 3).await, 201);
    assert_eq!(
        post_at(&other, ip, 4).await,
        429,
        "the other instance knows"
    );
    assert_eq!(post_at(&app.address, ip, 5).await, 429);
    assert_eq!(post_at(&other, "198.51.100.78", 6).await, 201);
    assert_eq!(count_notes(&app), 4);
}

/// An IPv6 subscriber usually holds a whole /64: its addresses share one budget.
async fn an_ipv6_slash_64_is_one_client(backend: Backend) {
    let app = limited(backend, "2").await;
    assert_eq!(post_at(&app.address, "2001:db8:7:7::1", 1).await, 201);
    assert_eq!(post_at(&app.address, "2001:db8:7:7:ffff::2", 2).await, 201);
    assert_eq!(post_at(&app.address, "2001:db8:7:7::3", 3).await, 429);
    assert_eq!(
        post_at(&app.address, "2001:db8:7:8::1", 4).await,
        201,
        "the next /64"
    );
    // An IPv4 client written as IPv6 is the IPv4 client.
    assert_eq!(post_at(&app.address, "192.0.2.9", 5).await, 201);
    assert_eq!(post_at(&app.address, "::ffff:192.0.2.9", 6).await, 201);
    assert_eq!(post_at(&app.address, "192.0.2.9", 7).await, 429);
}

backend_tests!(
    public_posts_are_rate_limited,
    the_api_is_rate_limited,
    an_ipv6_slash_64_is_one_client,
);
