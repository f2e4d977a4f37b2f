//! Notes from customers: thank-yous and complaints; writing them, and reading them with
//! the names of their rep and team, as staff lists of notes show them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{NoteId, StaffId, StoryId, TeamId};
use crate::db::schema::{notes, staff, stories, teams};
use crate::domain::{Channel, Display, NoteKind, NoteStatus, StoryStatus};

/// A note as it is written to the database (already validated by the domain types).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = notes, treat_none_as_null = true)]
pub struct NewNote {
    pub id: NoteId,
    pub reference: String,
    pub kind: NoteKind,
    pub rep_id: Option<StaffId>,
    pub team_id: Option<TeamId>,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub display: Display,
    pub consent_publish: bool,
    pub allow_reply: bool,
    pub body: Option<String>,
    pub interaction_date: Option<NaiveDate>,
    pub channel: Option<Channel>,
    pub status: NoteStatus,
    pub receipt_token_hash: Option<String>,
    pub idempotency_key: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub content_hash: Option<String>,
}

pub fn insert(conn: &mut DbConn, rows: &[NewNote]) -> QueryResult<usize> {
    crate::per_backend!(conn, c => diesel::insert_into(notes::table).values(rows).execute(c))
}

pub fn reference_exists(conn: &mut DbConn, reference: &str) -> QueryResult<bool> {
    let n: i64 = notes::table
        .filter(notes::reference.eq(reference))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// A note with its rep's and team's names (see [`with_names`], [`named_columns`]).
#[derive(Debug, Clone, Queryable)]
pub struct Named {
    pub id: NoteId,
    pub reference: String,
    pub kind: NoteKind,
    pub status: NoteStatus,
    pub rep: Option<String>,
    pub team: Option<String>,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub display: Display,
    pub consent_publish: bool,
    pub allow_reply: bool,
    pub body: Option<String>,
    pub channel: Option<Channel>,
    pub interaction_date: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
}

/// Notes with their rep and their team, either of which may be missing.
#[diesel::dsl::auto_type(no_type_alias)]
pub fn with_names() -> _ {
    notes::table
        .left_join(staff::table.on(notes::rep_id.eq(staff::id.nullable())))
        .left_join(teams::table.on(notes::team_id.eq(teams::id.nullable())))
}

/// What [`Named`] loads, from a query built on [`with_names`].
#[diesel::dsl::auto_type(no_type_alias)]
pub fn named_columns() -> _ {
    (
        notes::id,
        notes::reference,
        notes::kind,
        notes::status,
        staff::name.nullable(),
        teams::name.nullable(),
        notes::customer_name,
        notes::customer_email,
        notes::display,
        notes::consent_publish,
        notes::allow_reply,
        notes::body,
        notes::channel,
        notes::interaction_date,
        notes::created_at,
    )
}

/// The story of a thank-you that waits for a manager's review, if it has one.
pub fn story_to_review(conn: &mut DbConn, note: &NoteId) -> QueryResult<Option<StoryId>> {
    stories::table
        .filter(stories::note_id.eq(note))
        .filter(stories::status.eq(StoryStatus::Pending))
        .select(stories::id)
        .first(conn)
        .optional()
}
