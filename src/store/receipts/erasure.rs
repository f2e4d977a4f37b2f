//! Erasure: a customer's name, email and words removed everywhere — the note, its story,
//! what staff wrote back, the emails about it and the digests that quote it. The note stays
//! as a tombstone, so counts still add up.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{NoteId, OutboxId};
use crate::db::schema::{cases, note_events, notes, outbox, stories};
use crate::domain::{NoteStatus, StoryStatus};
use crate::store::outbox::{SCRUBBED_BODY, SCRUBBED_RECIPIENT, SCRUBBED_SUBJECT, scrub_for_notes};

/// The erasure itself, shared by customers and admins; returns the outbox rows scrubbed.
pub fn erase_note(conn: &mut DbConn, id: &NoteId) -> QueryResult<Vec<OutboxId>> {
    let now = crate::store::now();
    // First, while the note still names its customer's address.
    let scrubbed = scrub_for_notes(conn, std::slice::from_ref(id))?;
    diesel::update(notes::table.find(id))
        .set((
            notes::customer_name.eq(None::<String>),
            notes::customer_email.eq(None::<String>),
            notes::body.eq(None::<String>),
            notes::content_hash.eq(None::<String>),
            notes::consent_publish.eq(false),
            notes::status.eq(NoteStatus::Erased),
            notes::erased_at.eq(now),
            notes::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(stories::table.filter(stories::note_id.eq(id)))
        .set((
            stories::body.eq(None::<String>),
            stories::status.eq(StoryStatus::Withdrawn),
            stories::updated_at.eq(now),
        ))
        .execute(conn)?;
    // What staff wrote back may quote the customer: it goes too (the events stay, for times).
    diesel::update(note_events::table.filter(note_events::note_id.eq(id)))
        .set(note_events::body.eq(None::<String>))
        .execute(conn)?;
    diesel::update(cases::table.filter(cases::note_id.eq(id)))
        .set(cases::resolution_note.eq(None::<String>))
        .execute(conn)?;
    Ok(scrubbed)
}

/// Erases every note a customer wrote from one email address (already normalised by
/// [`crate::domain::Email`]), for an admin acting on their request; returns how many notes
/// were erased and the outbox rows scrubbed (whose `.eml` copies the caller removes). The
/// caller records only that it happened.
pub fn erase_by_email(conn: &mut DbConn, email: &str) -> QueryResult<(usize, Vec<OutboxId>)> {
    let ids: Vec<NoteId> = notes::table
        .filter(notes::customer_email.eq(email))
        .select(notes::id)
        .load(conn)?;
    let mut scrubbed = Vec::new();
    for id in &ids {
        scrubbed.extend(erase_note(conn, id)?);
    }
    // Emails to that address not tied to a note (none today) lose the address and words too.
    let others: Vec<OutboxId> = outbox::table
        .filter(outbox::recipient.eq(email))
        .select(outbox::id)
        .load(conn)?;
    diesel::update(outbox::table.filter(outbox::id.eq_any(&others)))
        .set((
            outbox::recipient.eq(SCRUBBED_RECIPIENT),
            outbox::recipient_name.eq(None::<String>),
            outbox::subject.eq(SCRUBBED_SUBJECT),
            outbox::body_text.eq(SCRUBBED_BODY),
            outbox::body_html.eq(None::<String>),
            outbox::scrubbed_at.eq(crate::store::now()),
        ))
        .execute(conn)?;
    scrubbed.extend(others);
    scrubbed.sort();
    scrubbed.dedup();
    Ok((ids.len(), scrubbed))
}

/// How many notes carry this customer email (for the admin's confirmation step).
pub fn count_by_email(conn: &mut DbConn, email: &str) -> QueryResult<i64> {
    notes::table
        .filter(notes::customer_email.eq(email))
        .count()
        .get_result(conn)
}
