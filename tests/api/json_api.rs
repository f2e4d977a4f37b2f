//! The JSON API v1 for notes and reps, and the OpenAPI document that describes it; what it
//! refuses (invisible characters, bodies over its cap) and what it keeps (emoji).

use diesel::prelude::*;
use heard::db::schema::{notes, outbox};
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::builders::{add_member, every_story, member, seed_org};
use crate::helpers::notes::count_notes;
use crate::helpers::{Backend, TestApp, spawn_app};

fn note() -> Value {
    json!({
        "kind": "thanks",
        "rep_handle": "maria",
        "customer": {"name": "Pat Doe", "email": "pat@example.com"},
        "body": "Maria found the fault in minutes.",
        "consent": {"publish": true, "display": "first"},
        "interaction_date": crate::helpers::days_ago(2),
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
    let queued: i64 = outbox::table.count().get_result(&mut app.conn()).unwrap();
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
    assert_eq!(count_notes(&app), 1);

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
    assert_eq!(count_notes(&app), 1);

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
    assert_eq!(count_notes(&app), 0);
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

    member(&app, "priya").joins("Care");
    let on_a_team: Value = app.get("/api/v1/reps?q=priya").await.json().await.unwrap();
    assert_eq!(handles(on_a_team), ["priya"], "an admin who serves a team");
}

/// What the OpenAPI document forbids is refused, not quietly taken to mean something.
async fn requests_the_document_forbids_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    add_member(&app, ("Kim Lee", "kim@example.com", "rep", "Care", "kim"));
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
        // Padding the form forgives, and limits counted as sent.
        (json!({"kind": " thanks", "body": "hi"}), "kind"),
        (
            json!({"kind": "thanks", "body": "hi", "channel": "phone\n"}),
            "channel",
        ),
        (
            json!({"kind": "thanks", "body": "hi", "interaction_date": "2026-1-5"}),
            "interaction_date",
        ),
        (
            json!({"kind": "thanks", "body": "hi", "rep_handle": "maria "}),
            "rep_handle",
        ),
        (
            // The Kelvin sign lower-cases to "k": this would be Kim.
            json!({"kind": "thanks", "body": "hi", "rep_handle": "\u{212A}im"}),
            "rep_handle",
        ),
        (
            json!({"kind": "thanks", "body": "hi", "customer": {"name": format!(" {} ", "n".repeat(99))}}),
            "customer.name",
        ),
        (
            json!({"kind": "thanks", "body": format!("{}\r\n", "w".repeat(4999))}),
            "body",
        ),
    ];
    for (body, field) in cases {
        let res = post(&app, &body, None).await;
        assert_eq!(res.status(), 422, "{body}");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    assert_eq!(count_notes(&app), 0);
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
    every_story().publish(&app);
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

/// Names and words refuse format characters, fillers and stray selectors with a field
/// error, and keep emoji sequences (ZWJ, VS16, keycaps, tag flags) intact.
async fn invisible_characters_are_refused_and_emoji_kept(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    for name in [
        "Pat\u{00AD}Doe",
        "\u{3164}",
        "Pat \u{3164}",
        "Pat\u{115F}",
        "Pat\u{FFA0}Doe",
        "Pat\u{061C}",
        "Pat\u{180E}Doe",
        "Pat\u{2064}",
        "Pat\u{200D}Doe",
        "Pat\u{FE0F}",
        "Pat\u{E0041}\u{E007F}",
    ] {
        let note = json!({"kind": "thanks", "rep_handle": "maria",
                          "customer": {"name": name}, "body": "Thanks"});
        let res = post(&app, &note, None).await;
        assert_eq!(res.status(), 422, "{name:?}");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "customer.name", "{name:?}");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("invisible"),
            "{problem}"
        );
    }
    for body in [
        "Thanks\u{200B}!",
        "Thanks \u{2066}x\u{2069}",
        "\u{FEFF}Thanks",
    ] {
        let note = json!({"kind": "thanks", "rep_handle": "maria", "body": body});
        let res = post(&app, &note, None).await;
        assert_eq!(res.status(), 422, "{body:?}");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "body");
    }
    let emoji = "Thank you \u{2764}\u{FE0F} \u{1F469}\u{200D}\u{1F4BB} \
                 \u{1F3F3}\u{FE0F}\u{200D}\u{1F308} 1\u{FE0F}\u{20E3} \
                 \u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}";
    let note = json!({"kind": "thanks", "rep_handle": "maria",
                      "customer": {"name": "Pat \u{1F44D}\u{1F3FD}"}, "body": emoji});
    let res = post(&app, &note, None).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let (name, body): (Option<String>, Option<String>) = notes::table
        .select((notes::customer_name, notes::body))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(body.as_deref(), Some(emoji));
    assert_eq!(name.as_deref(), Some("Pat \u{1F44D}\u{1F3FD}"));
}

/// A JSON body over the API's cap answers 413 problem+json and stores nothing; a note at
/// the longest the form allows, in four-byte characters, still fits.
async fn the_api_caps_json_bodies(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let big = json!({"kind": "thanks", "rep_handle": "maria", "body": "x".repeat(64 * 1024)});
    let res = post(&app, &big, None).await;
    assert_eq!(res.status(), 413);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "payload_too_large");
    assert_eq!(problem["status"], 413);
    assert_eq!(count_notes(&app), 0);
    let longest = json!({"kind": "thanks", "rep_handle": "maria",
                         "customer": {"name": "Pat Doe", "email": "pat@example.com"},
                         "body": "\u{1F600}".repeat(heard::domain::NoteBody::MAX_CHARS)});
    let res = post(&app, &longest, None).await;
    assert_eq!(res.status(), 201);
}

backend_tests!(
    notes_are_created_with_201,
    an_idempotency_key_returns_the_first_result,
    invalid_notes_get_problem_json_naming_each_field,
    reps_are_searchable_as_json,
    reps_search_lists_only_people_customers_can_thank,
    requests_the_document_forbids_are_refused,
    the_openapi_document_matches_the_endpoints,
    invisible_characters_are_refused_and_emoji_kept,
    the_api_caps_json_bodies,
);
