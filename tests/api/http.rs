//! HTTP methods: `HEAD` answers like `GET` without the body, a method a URL does not answer
//! gets 405 with an `Allow` header naming the ones it does, and unknown URLs stay 404.

use reqwest::Method;

use crate::backend_tests;
use crate::helpers::builders::seed_org;
use crate::helpers::{Backend, TestApp, spawn_app};

/// Headers that differ between any two responses.
const PER_RESPONSE: [&str; 2] = ["date", "x-request-id"];

fn comparable(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = headers
        .iter()
        .filter(|(name, _)| !PER_RESPONSE.contains(&name.as_str()))
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().unwrap_or("<binary>").to_owned(),
            )
        })
        .collect();
    pairs.sort();
    pairs
}

async fn send(app: &TestApp, method: Method, path: &str) -> reqwest::Response {
    app.client
        .request(method, app.url(path))
        .send()
        .await
        .expect("request")
}

async fn head_answers_like_get_without_a_body(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    for path in [
        "/",
        "/wall",
        "/healthz",
        "/api/v1/stories",
        "/api/v1/reps?q=maria",
        "/api/openapi.json",
        "/to/maria",
        "/static/app.css",
        "/stories/not-a-story",
    ] {
        let get = send(&app, Method::GET, path).await;
        let head = send(&app, Method::HEAD, path).await;
        assert_eq!(head.status(), get.status(), "{path}");
        assert_eq!(
            comparable(head.headers()),
            comparable(get.headers()),
            "{path}: the same headers"
        );
        let got = get.bytes().await.unwrap();
        let body = head.bytes().await.unwrap();
        assert!(body.is_empty(), "{path}: HEAD has no body");
        if path != "/stories/not-a-story" {
            assert!(!got.is_empty(), "{path}: GET has one");
        }
    }
}

async fn other_methods_get_405_with_allow(backend: Backend) {
    let app = spawn_app(backend).await;
    let cases = [
        (Method::PUT, "/feedback", "POST"),
        (Method::DELETE, "/feedback", "POST"),
        (Method::GET, "/feedback", "POST"),
        (Method::PUT, "/wall", "GET, HEAD"),
        (Method::DELETE, "/wall", "GET, HEAD"),
        (Method::POST, "/wall", "GET, HEAD"),
        (Method::POST, "/wall/feed.atom", "GET, HEAD"),
        (Method::PUT, "/api/v1/feedback", "POST"),
        (Method::DELETE, "/api/v1/feedback", "POST"),
        (Method::GET, "/api/v1/feedback", "POST"),
        (Method::PATCH, "/api/v1/stories/anything", "GET, HEAD"),
        (Method::OPTIONS, "/login", "GET, HEAD, POST"),
        (Method::DELETE, "/staff/people/import", "GET, HEAD, POST"),
    ];
    for (method, path, allow) in cases {
        let res = send(&app, method.clone(), path).await;
        assert_eq!(res.status(), 405, "{method} {path}");
        assert_eq!(
            res.headers().get("allow").and_then(|v| v.to_str().ok()),
            Some(allow),
            "{method} {path}"
        );
        let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
        if path.starts_with("/api/") {
            assert_eq!(content_type, "application/problem+json", "{path}");
            let problem: serde_json::Value = res.json().await.unwrap();
            assert_eq!(problem["status"], 405);
            assert_eq!(problem["code"], "method_not_allowed");
        } else {
            assert!(content_type.starts_with("text/html"), "{path}");
        }
    }
    for (method, path) in [
        (Method::GET, "/nowhere"),
        (Method::DELETE, "/nowhere"),
        (Method::HEAD, "/api/v2/stories"),
        (Method::PUT, "/wall/maria/extra"),
    ] {
        assert_eq!(
            send(&app, method.clone(), path).await.status(),
            404,
            "{method} {path}"
        );
    }
}

backend_tests!(
    head_answers_like_get_without_a_body,
    other_methods_get_405_with_allow,
);
