//! What the customer's receipt shows of what staff did: the public events, oldest first,
//! each with who did it as the customer may be told ("Grace Okafor, Maria's manager").

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::NoteId;
use crate::db::schema::{note_events, staff};
use crate::domain::EventKind;
use crate::store::cases::authors;
use crate::store::note_facts::NoteFacts;
use crate::store::staff::Staff;

/// One thing that happened, as the receipt tells it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Step {
    pub kind: EventKind,
    /// Who did it, for the customer; None when no one on the staff did.
    pub by: Option<String>,
    pub body: Option<String>,
    pub at: String,
}

/// The public events of a note, oldest first.
pub fn for_customer(conn: &mut DbConn, id: &NoteId) -> QueryResult<Vec<Step>> {
    let rows: Vec<(EventKind, Option<Staff>, Option<String>, NaiveDateTime)> = note_events::table
        .left_join(staff::table.on(note_events::actor_id.eq(staff::id.nullable())))
        .filter(note_events::note_id.eq(id))
        .filter(note_events::public.eq(true))
        .order((note_events::at.asc(), note_events::id.asc()))
        .select((
            note_events::kind,
            Option::<Staff>::as_select(),
            note_events::body,
            note_events::at,
        ))
        .load(conn)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let facts = NoteFacts::load(conn, id)?;
    Ok(rows
        .into_iter()
        .map(|(kind, actor, body, at)| Step {
            kind,
            by: actor
                .zip(facts.as_ref())
                .map(|(a, f)| authors::for_customer(f, &a)),
            body,
            at: at.format("%-d %B %Y, %H:%M UTC").to_string(),
        })
        .collect())
}
