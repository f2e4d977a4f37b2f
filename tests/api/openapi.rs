//! The OpenAPI document against the live API: every operation it lists, called with a valid
//! and an invalid request, answers a status the document declares for it, with a body of the
//! declared content type that satisfies the declared schema; and Schemathesis, run over the
//! whole document, finds nothing (skipped with a note where `st` is not installed; failed under `CI=true`).

use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::builders::{every_story, seed_org};
use crate::helpers::stories::story_id;
use crate::helpers::{Backend, TestApp, spawn_app};

/// Follows a `$ref` into `components`.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

fn type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// What is wrong with `value` for `schema`: the parts of JSON Schema the document uses
/// (`$ref`, `type`, `oneOf`, `enum`, `required`, `properties`, `items`, string lengths).
fn problems(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    let schema = resolve(doc, schema);
    if let Some(options) = schema["oneOf"].as_array() {
        let fits = options
            .iter()
            .any(|option| problems(doc, option, value, at).is_empty());
        return if fits {
            Vec::new()
        } else {
            vec![format!("{at}: {value} fits none of oneOf")]
        };
    }
    let mut found = Vec::new();
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let actual = type_of(value);
    let fits = types.is_empty()
        || types.contains(&actual)
        || (actual == "integer" && types.contains(&"number"));
    if !fits {
        found.push(format!("{at}: {actual} where the document says {types:?}"));
        return found;
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        found.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if let Value::String(text) = value {
        let length = text.chars().count() as u64;
        if schema["maxLength"].as_u64().is_some_and(|max| length > max) {
            found.push(format!("{at}: longer than maxLength"));
        }
        if schema["minLength"].as_u64().is_some_and(|min| length < min) {
            found.push(format!("{at}: shorter than minLength"));
        }
    }
    if let Value::Object(fields) = value {
        for required in schema["required"].as_array().into_iter().flatten() {
            let key = required.as_str().unwrap_or_default();
            if !fields.contains_key(key) {
                found.push(format!("{at}: required {key} is missing"));
            }
        }
        if let Some(declared) = schema["properties"].as_object() {
            for (key, field) in fields {
                match declared.get(key) {
                    Some(property) => {
                        found.extend(problems(doc, property, field, &format!("{at}.{key}")))
                    }
                    None => found.push(format!("{at}: {key} is not in the document")),
                }
            }
        }
    }
    if let (Value::Array(items), Some(item)) = (value, schema.get("items")) {
        for (i, element) in items.iter().enumerate() {
            found.extend(problems(doc, item, element, &format!("{at}[{i}]")));
        }
    }
    found
}

/// A request to try, and what it is meant to be.
struct Probe {
    method: &'static str,
    path: String,
    body: Option<Value>,
    valid: bool,
}

impl Probe {
    fn get(path: impl Into<String>, valid: bool) -> Self {
        Self {
            method: "get",
            path: path.into(),
            body: None,
            valid,
        }
    }

    fn post(path: &str, body: Value, valid: bool) -> Self {
        Self {
            method: "post",
            path: path.into(),
            body: Some(body),
            valid,
        }
    }
}

fn note() -> Value {
    json!({
        "kind": "thanks",
        "rep_handle": "maria",
        "customer": {"name": "Pat Doe", "email": "pat@example.com"},
        "body": "Maria found the fault in minutes.",
        "consent": {"publish": true, "display": "first"},
        "channel": "chat"
    })
}

/// A note on the wall, for the operations that read stories.
async fn published_story(app: &TestApp) -> String {
    let words = "Maria found the fault in minutes.";
    let res = app
        .client
        .post(app.url("/api/v1/feedback"))
        .json(&note())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    every_story().reading(words).publish(app);
    story_id(app, words)
}

/// The path template in the document that a probe's path belongs to.
fn template(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    match path.strip_prefix("/api/v1/stories/") {
        Some(_) => "/api/v1/stories/{id}".into(),
        None => path.into(),
    }
}

async fn every_operation_answers_as_documented(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let story = published_story(&app).await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let probes = vec![
        Probe::post("/api/v1/feedback", note(), true),
        Probe::post(
            "/api/v1/feedback",
            json!({"kind": "praise", "body": ""}),
            false,
        ),
        Probe::post("/api/v1/feedback", json!(["thanks"]), false),
        Probe::get("/api/v1/reps?q=maria", true),
        Probe::get("/api/v1/reps?q=a&q=b", false),
        Probe::get("/api/v1/stories?limit=5", true),
        Probe::get("/api/v1/stories?limit=0", false),
        Probe::get("/api/v1/stories?after=yesterday", false),
        Probe::get(format!("/api/v1/stories/{story}"), true),
        Probe::get(
            "/api/v1/stories/0190c6a2-0000-7000-8000-000000000000",
            false,
        ),
        Probe::get("/api/v1/stories/not-an-id", false),
    ];
    // Every operation in the document is probed both ways, and nothing else is.
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, operations) in doc["paths"].as_object().expect("paths") {
        for method in operations.as_object().expect("operations").keys() {
            documented.push((method.clone(), path.clone()));
        }
    }
    for (method, path) in &documented {
        for valid in [true, false] {
            assert!(
                probes
                    .iter()
                    .any(|p| p.method == method && template(&p.path) == *path && p.valid == valid),
                "no {} probe of {method} {path}",
                if valid { "valid" } else { "invalid" }
            );
        }
    }
    for probe in &probes {
        let path = template(&probe.path);
        assert!(
            documented.contains(&(probe.method.to_owned(), path.clone())),
            "{} {path} is not in the document",
            probe.method
        );
        let operation = &doc["paths"][&path][probe.method];
        let request = match &probe.body {
            Some(body) => app.client.post(app.url(&probe.path)).json(body),
            None => app.client.get(app.url(&probe.path)),
        };
        let res = request.send().await.unwrap();
        let status = res.status();
        let label = format!("{} {} answered {status}", probe.method, probe.path);
        assert_eq!(status.is_success(), probe.valid, "{label}");
        let declared = &operation["responses"][status.as_str()];
        assert!(declared.is_object(), "{label}, which is not documented");
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body: Value = res.json().await.unwrap();
        let content = declared["content"].as_object().expect("declared content");
        let schema = &content
            .get(&content_type)
            .unwrap_or_else(|| panic!("{label} as {content_type}; the document says {content:?}"))
            ["schema"];
        let found = problems(&doc, schema, &body, "body");
        assert!(found.is_empty(), "{label}: {found:#?}\n{body:#}");
        // The checker itself catches what it should.
        if probe.valid && body.is_object() {
            let mut broken = body.clone();
            broken["undocumented"] = json!(1);
            assert!(!problems(&doc, schema, &broken, "body").is_empty());
            let required = resolve(&doc, schema)["required"].as_array().cloned();
            if let Some(first) = required.unwrap_or_default().first() {
                let mut missing = body.clone();
                missing
                    .as_object_mut()
                    .unwrap()
                    .remove(first.as_str().unwrap());
                assert!(!problems(&doc, schema, &missing, "body").is_empty());
            }
        }
    }
}

/// Schemathesis (`st run … --checks all`) over the whole document, against a live app.
#[tokio::test]
async fn schemathesis_finds_no_failure() {
    let installed = Command::new("st")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if !installed {
        let why = "`st` (pip install schemathesis) is not on PATH";
        crate::helpers::skip("schemathesis_finds_no_failure", why);
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    seed_org(&app);
    published_story(&app).await;
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/schemathesis.toml");
    let schema = app.url("/api/openapi.json");
    let report = tempfile::tempdir().unwrap();
    let report_dir = report.path().to_owned();
    // More examples for a deeper run by hand: HEARD_TEST_ST_EXAMPLES=500.
    let examples = std::env::var("HEARD_TEST_ST_EXAMPLES").unwrap_or_else(|_| "30".into());
    // `st` runs on a blocking thread while this runtime keeps serving the app.
    let out = tokio::task::spawn_blocking(move || {
        Command::new("st")
            .args(["--no-color", "--config-file", config, "run", &schema])
            .args(["--checks", "all", "--max-examples", &examples])
            .args(["--workers", "1", "--request-timeout", "10"])
            .arg("--report-dir")
            .arg(&report_dir)
            // Its example database goes there too, not into the source tree.
            .current_dir(&report_dir)
            .output()
    })
    .await
    .unwrap()
    .expect("run st");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "schemathesis found failures:\n{text}");
    assert!(text.contains("No issues found"), "{text}");
}

crate::backend_tests!(every_operation_answers_as_documented);
