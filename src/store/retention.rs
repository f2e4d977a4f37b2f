//! The retention policy for complaints: once a case has been resolved for the configured
//! number of days, the complaint's text and the customer's email address are removed from
//! the note, from the emails about it and from the digests that quote it. The note stays,
//! for counts and case times.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::{outbox, settings};
use crate::db::ids::{NoteId, OutboxId};
use crate::db::schema::{cases, notes};
use crate::db::{DbConn, write_tx};
use crate::domain::CaseStatus;

/// Applies the policy at `now`; returns how many notes were cleared (0 when it is "keep")
/// and the outbox rows scrubbed, whose `.eml` copies the caller removes.
pub fn apply(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<(usize, Vec<OutboxId>)> {
    let days = settings::number(conn, settings::COMPLAINT_RETENTION_DAYS)?;
    if days <= 0 {
        return Ok((0, Vec::new()));
    }
    let cutoff = now - Duration::days(days);
    let due: Vec<NoteId> = cases::table
        .inner_join(notes::table)
        .filter(cases::status.eq(CaseStatus::Resolved))
        .filter(cases::resolved_at.le(cutoff))
        .filter(
            notes::body
                .is_not_null()
                .or(notes::customer_email.is_not_null()),
        )
        .select(notes::id)
        .load(conn)?;
    let mut scrubbed = Vec::new();
    for id in &due {
        scrubbed.extend(write_tx(conn, |conn| {
            // First, while the note still names its customer's address.
            let rows = outbox::scrub_for_notes(conn, std::slice::from_ref(id))?;
            diesel::update(notes::table.find(id))
                .set((
                    notes::body.eq(None::<String>),
                    notes::customer_email.eq(None::<String>),
                    notes::updated_at.eq(now),
                ))
                .execute(conn)?;
            QueryResult::Ok(rows)
        })?);
    }
    Ok((due.len(), scrubbed))
}
