//! `/healthz`, error pages in both formats, request ids and security headers, and static
//! files (cached, and never a file outside their folder).

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, spawn_app};

async fn healthz_answers_when_the_database_does(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    let expected = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(body["database"], expected);
}

async fn healthz_is_503_when_the_database_is_gone(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    // PostgreSQL: drop the database under the running app, so nothing can answer.
    // SQLite keeps open files readable, so there every connection is taken instead.
    let _held: Vec<_> = match backend {
        Backend::Postgres => {
            app.db.drop_database();
            Vec::new()
        }
        Backend::Sqlite => (0..app.pool.max_size()).map(|_| app.conn()).collect(),
    };
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
}

async fn unknown_pages_get_an_html_error_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status(), 404);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let html = res.text().await.unwrap();
    assert!(
        html.contains("<h1 id=\"error-title\">Not Found</h1>"),
        "{html}"
    );
    assert!(html.contains(&id), "the page quotes the request id");
}

async fn unknown_api_paths_get_problem_json(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.get("/api/v1/no-such-thing").await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], 404);
    assert_eq!(body["code"], "not_found");
    assert_eq!(body["instance"], "/api/v1/no-such-thing");
    assert_eq!(body["request_id"], id.as_str());
}

async fn every_response_has_a_request_id_and_security_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut ids = Vec::new();
    for path in ["/", "/healthz", "/static/app.css", "/missing"] {
        let res = app.get(path).await;
        let headers = res.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(headers["x-content-type-options"], "nosniff");
        ids.push(headers["x-request-id"].to_str().unwrap().to_owned());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "ids are unique per request");
}

async fn the_start_page_offers_both_paths(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.get("/").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("href=\"/feedback/new?kind=thanks\""));
    assert!(html.contains("href=\"/feedback/new?kind=complaint\""));
    assert!(html.contains("<html lang=\"en\">"));
}

async fn static_files_are_cached_by_etag(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.get("/static/app.css").await;
    assert_eq!(first.status(), 200);
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let again = app
        .client
        .get(app.url("/static/app.css"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

/// Sends `GET target` as raw bytes, exactly as written (an HTTP client would resolve `..`
/// before sending): the status and the body.
async fn raw_get(app: &TestApp, target: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    let request = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .await
        .expect("read the answer");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {answer:?}"));
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, body.to_owned())
}

async fn static_files_do_not_reach_outside_their_folder(backend: Backend) {
    let app = spawn_app(backend).await;
    // The raw request itself works: a static file, byte for byte.
    let (status, css) = raw_get(&app, "/static/app.css").await;
    assert_eq!(status, 200);
    let on_disk = concat!(env!("CARGO_MANIFEST_DIR"), "/static/css/00-base.css");
    let on_disk = std::fs::read_to_string(on_disk).expect("static/css/00-base.css");
    assert!(css.contains(&on_disk), "the raw request reads the body");
    for target in [
        "/static/../Cargo.toml",
        "/static/../../Cargo.toml",
        "/static/..%2fCargo.toml",
        "/static/%2e%2e%2fCargo.toml",
        "/static/%2e%2e/Cargo.toml",
        "/static/..%5cCargo.toml",
        "/static/..%252fCargo.toml",
        "/static/./app.css/../../Cargo.toml",
    ] {
        let (status, body) = raw_get(&app, target).await;
        assert_eq!(status, 404, "{target}");
        assert!(!body.contains("[package]"), "{target} served Cargo.toml");
    }
}

backend_tests!(
    healthz_answers_when_the_database_does,
    healthz_is_503_when_the_database_is_gone,
    unknown_pages_get_an_html_error_page,
    unknown_api_paths_get_problem_json,
    every_response_has_a_request_id_and_security_headers,
    the_start_page_offers_both_paths,
    static_files_are_cached_by_etag,
    static_files_do_not_reach_outside_their_folder,
);
