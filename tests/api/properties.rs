//! Property tests (proptest): every parser of outside input — the domain types, the form
//! and JSON decoders, cursors, tags, CSV imports — answers any input with a value or a clear
//! error, never a panic; what a parser accepts keeps the promises its type makes.

use chrono::NaiveDate;
use heard::domain::case::parse_message;
use heard::domain::story::parse_tags;
use heard::domain::{
    Channel, Display, Email, Handle, NoteBody, NoteKind, Password, PersonName, Reference, Role,
    StaffFields, StaffInput, Submission, SubmissionFields, TeamName,
};
use proptest::prelude::*;

use crate::helpers::{Backend, spawn_app};

/// Text with the characters that break naive parsers: controls, CR/LF, quotes, angle
/// brackets, SQL and template punctuation, non-Latin letters and emoji.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,80}",
        proptest::collection::vec(
            prop_oneof![
                Just('\r'),
                Just('\n'),
                Just('\0'),
                Just('<'),
                Just('"'),
                Just('\''),
                Just('{'),
                Just('%'),
                Just('@'),
                Just(';'),
                Just('é'),
                Just('李'),
                Just('😀'),
                Just('\u{202e}'),
                any::<char>(),
                "[a-z]".prop_map(|s| s.chars().next().unwrap_or('a')),
            ],
            0..120
        )
        .prop_map(|v| v.into_iter().collect()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn single_values_parse_or_explain(input in hostile()) {
        let explained = |e: heard::domain::Invalid| -> Result<(), TestCaseError> {
            prop_assert!(!e.0.is_empty());
            Ok(())
        };
        match Email::parse(&input) {
            Ok(e) => prop_assert!(e.as_str().contains('@') && !e.as_str().contains(['\r', '\n', '<', '>', ' '])),
            Err(e) => explained(e)?,
        }
        match PersonName::parse(&input) {
            Ok(n) => prop_assert!(!n.as_str().chars().any(char::is_control) && !n.as_str().trim().is_empty()),
            Err(e) => explained(e)?,
        }
        match Handle::parse(&input) {
            Ok(h) => prop_assert!(h.as_str().bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')),
            Err(e) => explained(e)?,
        }
        match NoteBody::parse(&input) {
            Ok(b) => prop_assert!(b.as_str().chars().count() <= NoteBody::MAX_CHARS && !b.as_str().trim().is_empty()),
            Err(e) => explained(e)?,
        }
        match TeamName::parse(&input) {
            Ok(t) => prop_assert!(!t.as_str().contains(['\r', '\n'])),
            Err(e) => explained(e)?,
        }
        if let Ok(r) = Reference::parse(&input) {
            prop_assert_eq!(Reference::parse(r.as_str()), Ok(r.clone()));
        }
        let _ = Password::parse(&input);
        // The closed sets accept exactly their own spellings.
        let spellings = [
            Role::parse(&input).map(|v| v.as_str()),
            Display::parse(&input).map(|v| v.as_str()),
            Channel::parse(&input).map(|v| v.as_str()),
            NoteKind::parse(&input).map(|v| v.as_str()),
        ];
        for spelling in spellings.into_iter().flatten() {
            prop_assert_eq!(spelling, input.as_str());
        }
        match parse_tags(&input) {
            Ok(tags) => prop_assert!(tags.len() <= 10 && tags.iter().all(|t| !t.is_empty() && t.len() <= 40)),
            Err(e) => explained(e)?,
        }
        match parse_message(&input, true) {
            Ok(Some(m)) => prop_assert!(!m.trim().is_empty() && m.chars().count() <= 4000),
            Ok(None) => prop_assert!(false, "a required message is never None"),
            Err(e) => explained(e)?,
        }
        let _ = heard::store::wall::Cursor::parse(&input);
        let _ = heard::db::ids::NoteId::parse(&input);
    }

    #[test]
    fn whole_submissions_parse_or_list_every_problem(
        kind in prop_oneof![Just("thanks".to_owned()), Just("complaint".to_owned()), hostile()],
        rep in hostile(), name in hostile(), email in hostile(), body in hostile(),
        consent in proptest::option::of(any::<bool>()), display in hostile(),
        date in prop_oneof![Just(String::new()), Just("2026-11-20".to_owned()), hostile()],
        channel in hostile(),
    ) {
        let fields = SubmissionFields {
            kind, rep, team: String::new(), customer_name: name, customer_email: email, body,
            consent_publish: consent, display, interaction_date: date, channel,
        };
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        match Submission::parse(&fields, today) {
            Ok(s) => prop_assert!(s.interaction_date.is_none_or(|d| d <= today)),
            Err(errors) => prop_assert!(!errors.is_empty() && errors.iter().all(|e| !e.field.is_empty() && !e.message.is_empty())),
        }
    }

    #[test]
    fn staff_rows_and_csv_imports_parse_or_explain(
        name in hostile(), email in hostile(), role in hostile(), team in hostile(),
        handle in hostile(), csv in hostile(),
    ) {
        let fields = StaffFields { name, email, role, team, handle, manager_email: String::new() };
        if let Err(errors) = StaffInput::parse(&fields) {
            prop_assert!(!errors.is_empty());
        }
        let file = format!("name,email,role,team,handle,manager_email\n{csv}");
        if let Err(message) = heard::domain::staff_csv::parse(file.as_bytes()) {
            prop_assert!(!message.is_empty());
        }
    }
}

/// The JSON and form decoders of the running app: whatever arrives, the answer is a success
/// or a 4xx problem, never a 500.
#[test]
fn the_decoders_never_fail_on_hostile_requests() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // The app's SMTP pool must live and die inside the runtime.
    let _inside = runtime.enter();
    let app = runtime.block_on(async {
        let app = spawn_app(Backend::Sqlite).await;
        crate::helpers::builders::seed_org(&app);
        app
    });
    let json_value = proptest::arbitrary::any::<String>().prop_map(serde_json::Value::String);
    let strategy = (
        hostile(),
        hostile(),
        hostile(),
        prop_oneof![
            Just(serde_json::json!(true)),
            Just(serde_json::json!(null)),
            Just(serde_json::json!(3)),
            json_value
        ],
        hostile(),
    );
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 120,
        ..ProptestConfig::default()
    });
    runner
        .run(&strategy, |(kind, name, body, publish, raw)| {
            runtime.block_on(async {
                let json = serde_json::json!({"kind": kind, "rep_handle": "maria",
                    "customer": {"name": name, "email": "pat@example.com"}, "body": body,
                    "consent": {"publish": publish, "display": "first"}});
                let answers = [
                    app.client
                        .post(app.url("/api/v1/feedback"))
                        .json(&json)
                        .send()
                        .await
                        .unwrap(),
                    app.client
                        .post(app.url("/api/v1/feedback"))
                        .header("content-type", "application/json")
                        .body(raw.clone())
                        .send()
                        .await
                        .unwrap(),
                    app.client
                        .post(app.url("/feedback"))
                        .form(&[
                            ("kind", kind.as_str()),
                            ("customer_name", name.as_str()),
                            ("body", body.as_str()),
                            ("form_token", raw.as_str()),
                        ])
                        .send()
                        .await
                        .unwrap(),
                    app.client
                        .get(app.url("/api/v1/stories"))
                        .query(&[("after", raw.as_str()), ("tag", name.as_str())])
                        .send()
                        .await
                        .unwrap(),
                    app.client
                        .get(app.url("/reps"))
                        .query(&[("q", raw.as_str())])
                        .send()
                        .await
                        .unwrap(),
                ];
                for res in answers {
                    let status = res.status().as_u16();
                    prop_assert!(status < 500, "{} answered {status}", res.url());
                }
                Ok(())
            })
        })
        .unwrap();
}
