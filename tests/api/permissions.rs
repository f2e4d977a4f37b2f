//! Who may do what: one table of every staff URL and method against each role (nobody
//! signed in, a rep, a manager, an admin) and the answer each gets. The table must name every
//! staff route `web::routes` registers, and nothing else.

use std::collections::BTreeSet;

use crate::backend_tests;
use crate::helpers::builders::{picture, seed_org};
use crate::helpers::notes::{note_id, send_by_form};
use crate::helpers::routes::{fill, shape, staff_routes};
use crate::helpers::staff::{csrf, set_passwords, signed_in, upload_body};
use crate::helpers::stories::story_id;
use crate::helpers::{Backend, TestApp, cookieless, spawn_app};

const GET: &str = "GET";
const POST: &str = "POST";

/// Sent to sign in first: a 303 to `/login?next=…`.
const LOGIN: u16 = 0;
const OK: u16 = 200;
/// Done, and the browser is sent on (303).
const DONE: u16 = 303;
const FORBIDDEN: u16 = 403;
/// Outside one's scope: as if it did not exist.
const NOT_FOUND: u16 = 404;
/// Past the role check, the thing is not in a state for it.
const CONFLICT: u16 = 409;
/// Past the role check, the (empty) form is refused field by field.
const INVALID: u16 = 422;

/// (method, URL, answer to nobody / a rep / a manager / an admin). Maria (rep) and Grace
/// (manager) are in Care; James (rep) is in Billing. Rows run in order, so state changes
/// only where a row says so; signing out comes last.
#[rustfmt::skip]
const TABLE: &[(&str, &str, [u16; 4])] = &[
    // method URL                                     nobody rep        manager    admin
    (GET,  "/staff",                                  [LOGIN, OK,        OK,        OK]),
    (GET,  "/staff?kind=complaint&unread=1",          [LOGIN, OK,        OK,        OK]),
    (GET,  "/staff/me",                               [LOGIN, OK,        OK,        OK]),
    (GET,  "/staff/audit",                            [LOGIN, FORBIDDEN, FORBIDDEN, OK]),
    (GET,  "/staff/notes/{maria_note}",               [LOGIN, OK,        OK,        OK]),
    (GET,  "/staff/notes/{james_note}",               [LOGIN, NOT_FOUND, NOT_FOUND, OK]),
    (POST, "/staff/notes/{maria_note}/read",          [LOGIN, DONE,      DONE,      DONE]),
    (POST, "/staff/notes/{james_note}/read",          [LOGIN, NOT_FOUND, NOT_FOUND, DONE]),
    (POST, "/staff/me/naming",                        [LOGIN, DONE,      DONE,      DONE]),
    (POST, "/staff/me/password",                      [LOGIN, INVALID,   INVALID,   INVALID]),
    (GET,  "/staff/people",                           [LOGIN, FORBIDDEN, FORBIDDEN, OK]),
    (GET,  "/staff/people/import",                    [LOGIN, FORBIDDEN, FORBIDDEN, OK]),
    (GET,  "/staff/teams",                            [LOGIN, FORBIDDEN, FORBIDDEN, OK]),
    (POST, "/staff/teams",                            [LOGIN, FORBIDDEN, FORBIDDEN, INVALID]),
    (POST, "/staff/people",                           [LOGIN, FORBIDDEN, FORBIDDEN, INVALID]),
    (POST, "/staff/people/import",                    [LOGIN, FORBIDDEN, FORBIDDEN, INVALID]),
    (POST, "/staff/people/import/file",               [LOGIN, FORBIDDEN, FORBIDDEN, OK]),
    (GET,  "/staff/queue",                            [LOGIN, FORBIDDEN, OK,        OK]),
    (GET,  "/staff/people/{maria_id}",                [LOGIN, FORBIDDEN, FORBIDDEN, OK]),
    (POST, "/staff/people/{maria_id}",                [LOGIN, FORBIDDEN, FORBIDDEN, INVALID]),
    (POST, "/staff/people/{maria_id}/invite",         [LOGIN, FORBIDDEN, FORBIDDEN, DONE]),
    (POST, "/staff/people/{sam_id}/active",           [LOGIN, FORBIDDEN, FORBIDDEN, DONE]),
    (GET,  "/staff/teams/{care}",                     [LOGIN, FORBIDDEN, FORBIDDEN, OK]),
    (POST, "/staff/teams/{billing}",                  [LOGIN, FORBIDDEN, FORBIDDEN, INVALID]),
    (POST, "/staff/teams/{billing}/active",           [LOGIN, FORBIDDEN, FORBIDDEN, DONE]),
    (GET,  "/staff/stories/{maria_story}",            [LOGIN, FORBIDDEN, OK,        OK]),
    (GET,  "/staff/stories/{james_story}",            [LOGIN, FORBIDDEN, NOT_FOUND, OK]),
    (POST, "/staff/stories/{maria_story}/publish",    [LOGIN, FORBIDDEN, INVALID,   INVALID]),
    (POST, "/staff/stories/{maria_story}/decline",    [LOGIN, FORBIDDEN, INVALID,   INVALID]),
    (POST, "/staff/stories/{maria_story}/unpublish",  [LOGIN, FORBIDDEN, CONFLICT,  CONFLICT]),
    (GET,  "/staff/cases",                            [LOGIN, OK,        OK,        OK]),
    // A comment: Maria may not handle her own complaints (by default), Grace may.
    (POST, "/staff/notes/{maria_complaint}/case",     [LOGIN, FORBIDDEN, DONE,      DONE]),
    (POST, "/staff/notes/{james_complaint}/case",     [LOGIN, NOT_FOUND, NOT_FOUND, DONE]),
    (GET,  "/staff/outbox",                           [LOGIN, FORBIDDEN, FORBIDDEN, OK]),
    (POST, "/staff/outbox/{any_mail}/retry",          [LOGIN, FORBIDDEN, FORBIDDEN, CONFLICT]),
    (GET,  "/staff/settings",                         [LOGIN, FORBIDDEN, FORBIDDEN, OK]),
    (GET,  "/staff/brand",                            [LOGIN, FORBIDDEN, FORBIDDEN, OK]),
    (GET,  "/staff/stats",                            [LOGIN, OK,        OK,        OK]),
    (GET,  "/staff/portfolio",                        [LOGIN, OK,        OK,        OK]),
    (GET,  "/staff/portfolio/{maria}",                [LOGIN, OK,        OK,        OK]),
    (GET,  "/staff/portfolio/{james}",                [LOGIN, NOT_FOUND, NOT_FOUND, OK]),
    (GET,  "/staff/export/notes.csv",                 [LOGIN, FORBIDDEN, OK,        OK]),
    (GET,  "/staff/export/cases.csv",                 [LOGIN, FORBIDDEN, OK,        OK]),
    (GET,  "/staff/erasure",                          [LOGIN, FORBIDDEN, FORBIDDEN, OK]),
    (POST, "/staff/erasure",                          [LOGIN, FORBIDDEN, FORBIDDEN, INVALID]),
    (POST, "/staff/settings",                         [LOGIN, FORBIDDEN, FORBIDDEN, INVALID]),
    // An empty form restores Heard's own look.
    (POST, "/staff/brand",                            [LOGIN, FORBIDDEN, FORBIDDEN, DONE]),
    // Uploads get a real picture.
    (POST, "/staff/brand/logo",                       [LOGIN, FORBIDDEN, FORBIDDEN, DONE]),
    (POST, "/staff/brand/logo/remove",                [LOGIN, FORBIDDEN, FORBIDDEN, DONE]),
    (POST, "/staff/me/photo",                         [LOGIN, DONE,      DONE,      DONE]),
    (POST, "/staff/me/photo/remove",                  [LOGIN, DONE,      DONE,      DONE]),
    // Last: signing out ends each session.
    (POST, "/logout",                                 [LOGIN, DONE,      DONE,      DONE]),
];

/// What the table's `{placeholders}` stand for in a seeded organisation with a thank-you
/// (and its story) and a complaint for Maria, and the same for James.
async fn placeholders(app: &TestApp) -> Vec<(&'static str, String)> {
    for (kind, rep, words) in [
        ("thanks", "maria", "A note for Maria."),
        ("thanks", "james", "A note for James."),
        ("complaint", "maria", "A complaint about Maria."),
        ("complaint", "james", "A complaint about James."),
    ] {
        let consent = if kind == "thanks" { "on" } else { "" };
        let fields = [
            ("kind", kind),
            ("rep", rep),
            ("body", words),
            ("consent_publish", consent),
        ];
        let sent = send_by_form(app, &fields).await;
        assert_eq!(sent.status(), 303);
    }
    let any_mail: heard::db::ids::OutboxId = {
        use diesel::prelude::*;
        heard::db::schema::outbox::table
            .select(heard::db::schema::outbox::id)
            .first(&mut app.conn())
            .expect("an email")
    };
    vec![
        ("maria_note", note_id(app, "A note for Maria.")),
        ("james_note", note_id(app, "A note for James.")),
        ("maria_complaint", note_id(app, "A complaint about Maria.")),
        ("james_complaint", note_id(app, "A complaint about James.")),
        ("maria_story", story_id(app, "A note for Maria.")),
        ("james_story", story_id(app, "A note for James.")),
        ("maria_id", app.staff_id("maria")),
        ("sam_id", app.staff_id("sam")),
        ("care", app.team_id("Care")),
        ("billing", app.team_id("Billing")),
        ("any_mail", any_mail.to_string()),
        ("maria", "maria".into()),
        ("james", "james".into()),
    ]
}

async fn every_staff_route_answers_each_role_as_the_table_says(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let values = placeholders(&app).await;
    let mut roles = vec![("nobody", cookieless(), String::new())];
    for (role, email) in [
        ("rep", "maria@example.com"),
        ("manager", "grace@example.com"),
        ("admin", "priya@example.com"),
    ] {
        let client = signed_in(&app, email).await;
        let token = csrf(&app, &client).await;
        roles.push((role, client, token));
    }
    for (method, url, answers) in TABLE {
        let url = fill(url, &values);
        for ((role, client, token), want) in roles.iter().zip(answers) {
            let request = match *method {
                GET => client.get(app.url(&url)),
                _ if url.ends_with("/import/file") => {
                    let csv = b"name,email,role,team\nLena Fischer,lena@example.com,rep,Care\n";
                    let (kind, body) = upload_body(&[("csrf", token)], csv);
                    let post = client.post(app.url(&url));
                    post.header("content-type", kind).body(body)
                }
                _ if url.ends_with("/photo") || url.ends_with("/logo") => {
                    let (kind, body) = upload_body(&[("csrf", token)], &picture());
                    let post = client.post(app.url(&url));
                    post.header("content-type", kind).body(body)
                }
                _ => client.post(app.url(&url)).form(&[
                    ("csrf", token.as_str()),
                    ("read", "1"),
                    ("public_naming", "yes"),
                    ("step", "comment"),
                    ("message", "Called the customer back."),
                ]),
            };
            let res = request.send().await.expect("request");
            let got = res.status().as_u16();
            if *want == LOGIN {
                assert_eq!(got, 303, "{method} {url} as {role}");
                let to = res.headers()["location"].to_str().expect("a location");
                assert!(
                    to.starts_with("/login?next="),
                    "{method} {url} as {role} -> {to}"
                );
            } else {
                assert_eq!(got, *want, "{method} {url} as {role}");
            }
        }
    }
}

backend_tests!(every_staff_route_answers_each_role_as_the_table_says);

/// Every staff URL and method the app registers, as (method, shape); a segment that matches
/// one of several words (`{decision:publish|decline}`) stands for each of them.
fn registered_staff_routes() -> BTreeSet<(String, String)> {
    staff_routes()
        .into_iter()
        .filter(|(_, path)| path.starts_with("/staff") || path == "/logout")
        .map(|(method, path)| (method.to_owned(), shape(&path)))
        .collect()
}

#[test]
fn the_table_names_every_staff_route() {
    let registered = registered_staff_routes();
    assert!(
        registered.len() > 30,
        "found only {} staff routes in heard::web::routes::staff_urls()",
        registered.len()
    );
    let in_table: BTreeSet<(String, String)> = TABLE
        .iter()
        .map(|(method, url, _)| ((*method).to_owned(), shape(url)))
        .collect();
    let missing: Vec<_> = registered.difference(&in_table).collect();
    assert!(
        missing.is_empty(),
        "routes with no row in the table: {missing:?}"
    );
    let unknown: Vec<_> = in_table.difference(&registered).collect();
    assert!(
        unknown.is_empty(),
        "rows for routes the app does not have: {unknown:?}"
    );
}
