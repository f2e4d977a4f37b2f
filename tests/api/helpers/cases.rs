//! Complaint cases as staff work them: a step on a note's case (`acknowledge`, `assign`,
//! `comment`, `reply`, `resolve`), a rep's reply taken straight through the store, and what
//! the database then says about a case.

use diesel::prelude::*;
use heard::config::Secret;
use heard::db::ids::NoteId;
use heard::db::schema::{cases, note_events, staff};
use heard::domain::Role;
use heard::store::cases::{Acting, Step};
use heard::store::inbox::{OpenComplaints, Scope};
use heard::store::note_facts::Links;

use super::staff::staff_post;
use super::{TEST_SECRET, TestApp};

/// Takes one step on a note's case, as `client`: `("step", "resolve"), ("message", …)`.
pub async fn step(
    app: &TestApp,
    client: &reqwest::Client,
    note: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    staff_post(app, client, &format!("/staff/notes/{note}/case"), fields).await
}

/// The status of a note's case: `open`, `acknowledged`, `resolved`…
pub fn case_status(app: &TestApp, note: &str) -> String {
    cases::table
        .filter(cases::note_id.eq(note))
        .select(cases::status)
        .first(&mut app.conn())
        .expect("a case for that note")
}

/// How many events a note's history holds.
pub fn event_count(app: &TestApp, note: &str) -> i64 {
    note_events::table
        .filter(note_events::note_id.eq(note))
        .count()
        .get_result(&mut app.conn())
        .expect("count events")
}

/// The rep with this handle replies to the customer of a note about them, through Heard, by
/// the store's own step (no browser).
pub fn rep_replies(app: &TestApp, handle: &str, note: &NoteId, message: &str) {
    let mut conn = app.conn();
    let rep: heard::store::staff::Staff = staff::table
        .filter(staff::handle.eq(handle))
        .select(heard::store::staff::Staff::as_select())
        .first(&mut conn)
        .expect("a rep with that handle");
    let scope = Scope::Own(rep.id.clone(), OpenComplaints::Shown);
    let acting = Acting {
        person: &rep,
        role: Role::Rep,
        scope: &scope,
    };
    let secret = Secret::new(TEST_SECRET);
    let links = Links {
        secret: &secret,
        base_url: &app.settings.base_url,
    };
    let reply = Step::Reply {
        message: message.into(),
    };
    heard::store::cases::apply(&mut conn, &acting, note, &reply, links).expect("the reply");
}
