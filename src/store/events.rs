//! What happened to a note after it arrived (the `note_events` table): case steps, internal
//! comments, escalations, replies. Public events appear on the customer's receipt page.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{EventId, NoteId, StaffId};
use crate::db::schema::{note_events, staff};
use crate::domain::EventKind;

pub fn record(
    conn: &mut DbConn,
    note: &NoteId,
    kind: EventKind,
    actor: Option<&StaffId>,
    body: Option<&str>,
    public: bool,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(note_events::table)
        .values((
            note_events::id.eq(EventId::new()),
            note_events::note_id.eq(note),
            note_events::kind.eq(kind),
            note_events::actor_id.eq(actor),
            note_events::body.eq(body),
            note_events::public.eq(public),
            note_events::at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

/// How many events of one kind a note has.
pub fn count(conn: &mut DbConn, note: &NoteId, kind: EventKind) -> QueryResult<i64> {
    note_events::table
        .filter(note_events::note_id.eq(note))
        .filter(note_events::kind.eq(kind))
        .count()
        .get_result(conn)
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Event {
    pub kind: EventKind,
    pub actor: Option<String>,
    pub body: Option<String>,
    pub public: bool,
    pub at: String,
}

/// An event with its actor's name and whether they may be named in public.
#[derive(Queryable)]
struct EventRow {
    kind: EventKind,
    actor: Option<String>,
    named: Option<bool>,
    body: Option<String>,
    public: bool,
    at: NaiveDateTime,
}

/// A note's events, oldest first; only the public ones when `public_only`, and then
/// staff are named only if they chose to be named in public (as on the wall).
pub fn for_note(conn: &mut DbConn, note: &NoteId, public_only: bool) -> QueryResult<Vec<Event>> {
    let mut query = note_events::table
        .left_join(staff::table.on(note_events::actor_id.eq(staff::id.nullable())))
        .filter(note_events::note_id.eq(note))
        .order((note_events::at.asc(), note_events::id.asc()))
        .select((
            note_events::kind,
            staff::name.nullable(),
            staff::public_naming.nullable(),
            note_events::body,
            note_events::public,
            note_events::at,
        ))
        .into_boxed();
    if public_only {
        query = query.filter(note_events::public.eq(true));
    }
    let rows: Vec<EventRow> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| Event {
            kind: r.kind,
            actor: r.actor.filter(|_| !public_only || r.named == Some(true)),
            body: r.body,
            public: r.public,
            at: r.at.format("%-d %B %Y, %H:%M UTC").to_string(),
        })
        .collect())
}
