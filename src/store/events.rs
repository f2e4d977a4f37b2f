//! What happened to a note after it arrived (the `note_events` table): case steps, internal
//! comments, escalations, replies. Public events appear on the customer's receipt page.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{EventId, FeedbackId, StaffId};
use crate::db::schema::{note_events, staff};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Acknowledged,
    Assigned,
    Comment,
    Resolved,
    Escalated,
    Reply,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Acknowledged => "acknowledged",
            Self::Assigned => "assigned",
            Self::Comment => "comment",
            Self::Resolved => "resolved",
            Self::Escalated => "escalated",
            Self::Reply => "reply",
        }
    }
}

pub fn record(
    conn: &mut DbConn,
    feedback: &FeedbackId,
    kind: EventKind,
    actor: Option<&StaffId>,
    body: Option<&str>,
    public: bool,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(note_events::table)
        .values((
            note_events::id.eq(EventId::new()),
            note_events::feedback_id.eq(feedback),
            note_events::kind.eq(kind.as_str()),
            note_events::actor_id.eq(actor),
            note_events::body.eq(body),
            note_events::public.eq(public),
            note_events::at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

/// How many events of one kind a note has.
pub fn count(conn: &mut DbConn, feedback: &FeedbackId, kind: EventKind) -> QueryResult<i64> {
    note_events::table
        .filter(note_events::feedback_id.eq(feedback))
        .filter(note_events::kind.eq(kind.as_str()))
        .count()
        .get_result(conn)
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Event {
    pub kind: String,
    pub actor: Option<String>,
    pub body: Option<String>,
    pub public: bool,
    pub at: String,
}

/// Kind, actor's name, whether they may be named in public, body, public, when.
type EventRow = (
    String,
    Option<String>,
    Option<bool>,
    Option<String>,
    bool,
    NaiveDateTime,
);

/// A note's events, oldest first; only the public ones when `public_only`, and then
/// staff are named only if they chose to be named in public (as on the wall).
pub fn for_note(
    conn: &mut DbConn,
    feedback: &FeedbackId,
    public_only: bool,
) -> QueryResult<Vec<Event>> {
    let mut query = note_events::table
        .left_join(staff::table.on(note_events::actor_id.eq(staff::id.nullable())))
        .filter(note_events::feedback_id.eq(feedback))
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
        .map(|(kind, actor, named, body, public, at)| Event {
            kind,
            actor: actor.filter(|_| !public_only || named == Some(true)),
            body,
            public,
            at: at.format("%-d %B %Y, %H:%M UTC").to_string(),
        })
        .collect())
}
