//! The JSON API v1 for notes and reps, and the OpenAPI document that describes it.

use diesel::prelude::*;
use heard::db::schema::{feedback, outbox};
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, seed_org, spawn_app, spawn_app_with};

fn note() -> Value {
    json!({
        "kind": "thanks",
        "rep_handle": "maria",
        "customer": {"name": "Pat Doe", "email": "pat@example.com"},
        "body": "Maria found the fault in minutes.",
        "consent": {"publish": true, "display": "first"},
        "interaction_date": "2026-11-20",
        "channel": "chat"
    })
}

async fn post(app: &TestApp, body: &Value, key: Option<&str>) -> reqwest::Response {
    let mut req = app.client.post(app.url("/api/v1/feedback")).json(body);
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    req.send().await.unwrap()
}

fn notes(app: &TestApp) -> i64 {
    feedback::table
        .count()
        .get_result(&mut app.pool.get().unwrap())
        .unwrap()
}

async fn notes_are_created_with_201(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let res = post(&app, &note(), None).await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "awaiting_moderation");
    assert!(body["reference"].as_str().unwrap().starts_with("H-"));
    let receipt = body["receipt_url"].as_str().unwrap();
    assert!(receipt.starts_with(&format!("{}/receipt/", app.address)));
    let path = receipt.trim_start_matches(&app.address);
    assert_eq!(app.get(path).await.status(), 200);
    let queued: i64 = outbox::table
        .count()
        .get_result(&mut app.pool.get().unwrap())
        .unwrap();
    assert_eq!(queued, 3);
}

async fn an_idempotency_key_returns_the_first_result(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let first: Value = post(&app, &note(), Some("retry-1"))
        .await
        .json()
        .await
        .unwrap();
    let again = post(&app, &note(), Some("retry-1")).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(first, again);
    assert_eq!(notes(&app), 1);

    let mut different = note();
    different["body"] = json!("Something else entirely.");
    let clash = post(&app, &different, Some("retry-1")).await;
    assert_eq!(clash.status(), 422);
    assert_eq!(clash.headers()["content-type"], "application/problem+json");
    let clash = clash.text().await.unwrap();
    let reference = first["reference"].as_str().unwrap();
    assert!(
        !clash.contains(reference) && !clash.contains("/receipt/"),
        "{clash}"
    );
    assert_eq!(notes(&app), 1);

    let bad_key = post(&app, &different, Some("sp ace")).await;
    assert_eq!(bad_key.status(), 422);
}

async fn invalid_notes_get_problem_json_naming_each_field(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"kind": "praise", "body": "x"}), vec!["kind"]),
        (json!({"kind": "thanks", "body": ""}), vec!["body"]),
        (
            json!({"kind": "thanks", "body": "x".repeat(5001)}),
            vec!["body"],
        ),
        (
            json!({"kind": "thanks", "body": "hi", "customer": {"email": "nope", "name": "A\r\nB"}}),
            vec!["customer.name", "customer.email"],
        ),
        (
            json!({"kind": "thanks", "body": "hi", "consent": {"publish": true, "display": "nickname"}}),
            vec!["consent.display"],
        ),
        (
            json!({"kind": "thanks", "body": "hi", "consent": {"publish": true}}),
            vec!["consent.display"],
        ),
        (
            json!({"kind": "complaint", "body": "hi", "consent": {"publish": true}}),
            vec!["consent.publish", "customer.email"],
        ),
        (
            json!({"kind": "thanks", "body": "hi", "rep_handle": "nobody"}),
            vec!["rep_handle"],
        ),
        (
            json!({"kind": "thanks", "body": "hi", "channel": "fax"}),
            vec!["channel"],
        ),
        (json!({"kind": 7, "body": "hi"}), vec!["body"]),
    ];
    for (body, fields) in cases {
        let res = post(&app, &body, None).await;
        assert_eq!(res.status(), 422, "{body}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["code"], "invalid_input");
        let got: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(got, fields, "{body}");
    }
    let text = app
        .client
        .post(app.url("/api/v1/feedback"))
        .header("content-type", "text/plain")
        .body("thanks!")
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), 415);
    let broken = app
        .client
        .post(app.url("/api/v1/feedback"))
        .header("content-type", "application/json")
        .body("{\"kind\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), 422);
    assert_eq!(notes(&app), 0);
}

async fn the_api_is_rate_limited(backend: Backend) {
    let app = spawn_app_with(backend, |a| a.rate_limit_per_minute = Some("1".into())).await;
    seed_org(&app);
    assert_eq!(post(&app, &note(), None).await.status(), 201);
    let res = post(&app, &note(), None).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "rate_limited");
}

async fn reps_are_searchable_as_json(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let body: Value = app.get("/api/v1/reps?q=gra").await.json().await.unwrap();
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["handle"], "grace");
    assert_eq!(items[0]["team"], "Care");
    assert_eq!(items[0]["url"], format!("{}/to/grace", app.address));
    let none: Value = app.get("/api/v1/reps?q=").await.json().await.unwrap();
    assert_eq!(none["items"], json!([]));
}

/// Search finds only people a customer can thank: reps and managers, and anyone on a team,
/// never an admin who serves no team (nor anyone who left).
async fn reps_search_lists_only_people_customers_can_thank(backend: Backend) {
    use heard::db::schema::{staff, teams};
    let app = spawn_app(backend).await;
    seed_org(&app);
    let handles = |body: Value| -> Vec<String> {
        let mut found: Vec<String> = body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|r| r["handle"].as_str().expect("handle").to_owned())
            .collect();
        found.sort();
        found
    };
    let everyone: Value = app.get("/api/v1/reps?q=a").await.json().await.unwrap();
    assert_eq!(handles(everyone), ["grace", "james", "maria"]);
    let admin: Value = app.get("/api/v1/reps?q=priya").await.json().await.unwrap();
    assert_eq!(admin["items"], json!([]), "an admin without a team");
    let page = app.get("/reps?q=priya").await.text().await.unwrap();
    assert!(!page.contains("/to/priya"), "the search page hides her too");

    let care: String = teams::table
        .filter(teams::name.eq("Care"))
        .select(teams::id)
        .first(&mut app.pool.get().unwrap())
        .unwrap();
    diesel::update(staff::table.filter(staff::handle.eq("priya")))
        .set(staff::team_id.eq(Some(care)))
        .execute(&mut app.pool.get().unwrap())
        .unwrap();
    let on_a_team: Value = app.get("/api/v1/reps?q=priya").await.json().await.unwrap();
    assert_eq!(handles(on_a_team), ["priya"], "an admin who serves a team");
}

/// What the OpenAPI document forbids is refused, not quietly taken to mean something.
async fn requests_the_document_forbids_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"kind": "thanks", "body": "hi", "interaction_date": ""}),
            "interaction_date",
        ),
        (
            json!({"kind": "thanks", "body": "hi", "channel": " "}),
            "channel",
        ),
        (
            json!({"kind": "thanks", "body": "hi", "customer": {"email": ""}}),
            "customer.email",
        ),
        (
            json!({"kind": "thanks", "body": "hi", "customer": [null, null]}),
            "body",
        ),
        (
            json!({"kind": "thanks", "body": "hi", "consent": [true, "first"]}),
            "body",
        ),
        (json!(["thanks", null, null, {}, "hi"]), "body"),
    ];
    for (body, field) in cases {
        let res = post(&app, &body, None).await;
        assert_eq!(res.status(), 422, "{body}");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    assert_eq!(notes(&app), 0);
    for path in [
        "/api/v1/stories?limit=0",
        "/api/v1/stories?limit=101",
        "/api/v1/stories?limit=many",
        "/api/v1/stories?after=nonsense",
        "/api/v1/stories?rep=nobody&after=nonsense",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 400, "{path}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
    assert_eq!(app.get("/api/v1/stories?limit=100").await.status(), 200);
}

/// The property names a schema declares.
fn properties(doc: &Value, schema: &str) -> Vec<String> {
    let mut keys: Vec<String> = doc["components"]["schemas"][schema]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("no schema {schema}"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

async fn the_openapi_document_matches_the_endpoints(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v1/feedback"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/reps"]["get"].is_object());
    let responses = &doc["paths"]["/api/v1/feedback"]["post"]["responses"];
    for status in ["201", "422", "429"] {
        assert!(responses[status].is_object(), "documents {status}");
    }
    // What the endpoints return has exactly the documented fields.
    let created: Value = post(&app, &note(), None).await.json().await.unwrap();
    assert_eq!(keys(&created), properties(&doc, "FeedbackCreated"));
    let problem: Value = post(&app, &json!({"kind": "x"}), None)
        .await
        .json()
        .await
        .unwrap();
    for key in keys(&problem) {
        assert!(
            properties(&doc, "Problem").contains(&key),
            "{key} is documented"
        );
    }
    let reps: Value = app.get("/api/v1/reps?q=maria").await.json().await.unwrap();
    assert_eq!(keys(&reps), properties(&doc, "RepList"));
    assert_eq!(keys(&reps["items"][0]), properties(&doc, "Rep"));
    assert!(doc["paths"]["/api/v1/stories"]["get"].is_object());
    assert!(doc["paths"]["/api/v1/stories/{id}"]["get"].is_object());
    diesel::update(heard::db::schema::stories::table)
        .set((
            heard::db::schema::stories::status.eq("published"),
            heard::db::schema::stories::published_at.eq(heard::store::now()),
        ))
        .execute(&mut app.pool.get().unwrap())
        .unwrap();
    let stories: Value = app.get("/api/v1/stories").await.json().await.unwrap();
    assert_eq!(keys(&stories), properties(&doc, "StoryList"));
    assert_eq!(keys(&stories["items"][0]), properties(&doc, "Story"));
    assert_eq!(
        keys(&stories["items"][0]["rep"]),
        properties(&doc, "StoryRep")
    );
    // And what they accept: every field of the contract's request body is documented.
    let mut accepted = keys(&note());
    accepted.push("team".into());
    accepted.sort();
    assert_eq!(accepted, properties(&doc, "NewFeedback"));
}

backend_tests!(
    notes_are_created_with_201,
    an_idempotency_key_returns_the_first_result,
    invalid_notes_get_problem_json_naming_each_field,
    the_api_is_rate_limited,
    reps_are_searchable_as_json,
    reps_search_lists_only_people_customers_can_thank,
    requests_the_document_forbids_are_refused,
    the_openapi_document_matches_the_endpoints,
);
