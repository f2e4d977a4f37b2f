//! Scrubbing: the outbox's copies of notes that were erased or expired lose the customer's
//! words and address, and those not yet sent are never sent.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{NoteId, OutboxId};
use crate::db::schema::{notes, outbox, outbox_notes};
use crate::domain::OutboxStatus;

/// What an email's subject becomes once it lost the customer's words.
pub const SCRUBBED_SUBJECT: &str = "[removed]";
/// What its text becomes.
pub const SCRUBBED_BODY: &str = "(This email quoted a customer's note, which has since been erased or removed under the retention policy.)";
/// What the customer's address becomes in the emails that went to them.
pub const SCRUBBED_RECIPIENT: &str = "removed@invalid";

/// The one scrub for every copy of these notes in the outbox: the emails about them and the
/// digests that quote them lose their subject and words; those not yet sent are cancelled;
/// those sent to the notes' customers lose the address. Call it before the notes' own
/// fields are cleared (it reads the customers' addresses). Returns the scrubbed rows, whose
/// `.eml` copies the caller removes (see [`crate::mail::remove_eml_files`]) once committed.
pub fn scrub_for_notes(conn: &mut DbConn, ids: &[NoteId]) -> QueryResult<Vec<OutboxId>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let now = crate::store::now();
    let rows = copies_of(conn, ids)?;
    let emails: Vec<String> = notes::table
        .filter(notes::id.eq_any(ids))
        .filter(notes::customer_email.is_not_null())
        .select(notes::customer_email.assume_not_null())
        .load(conn)?;
    for chunk in rows.chunks(500) {
        cancel_unsent(conn, chunk)?;
        blank(conn, chunk, now)?;
        retire_keys(conn, chunk, ids)?;
        if !emails.is_empty() {
            forget_recipients(conn, chunk, &emails)?;
        }
    }
    Ok(rows)
}

/// The emails about these notes and the digests that quote them, each once.
fn copies_of(conn: &mut DbConn, ids: &[NoteId]) -> QueryResult<Vec<OutboxId>> {
    let mut rows: Vec<OutboxId> = outbox::table
        .filter(outbox::note_id.eq_any(ids))
        .select(outbox::id)
        .load(conn)?;
    let quoting: Vec<OutboxId> = outbox_notes::table
        .filter(outbox_notes::note_id.eq_any(ids))
        .select(outbox_notes::outbox_id)
        .load(conn)?;
    rows.extend(quoting);
    rows.sort();
    rows.dedup();
    Ok(rows)
}

/// Not yet sent: cancelled for good (a lease in progress is broken, so a worker holding the
/// row cannot record it as sent).
fn cancel_unsent(conn: &mut DbConn, rows: &[OutboxId]) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(rows))
            .filter(outbox::status.eq(OutboxStatus::Pending)),
    )
    .set((
        outbox::status.eq(OutboxStatus::Dead),
        outbox::last_error.eq("cancelled: it quoted a note that was erased or expired"),
        outbox::locked_until.eq(None::<NaiveDateTime>),
        outbox::claim_token.eq(None::<String>),
    ))
    .execute(conn)
}

/// The subject and words go.
fn blank(conn: &mut DbConn, rows: &[OutboxId], now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(outbox::table.filter(outbox::id.eq_any(rows)))
        .set((
            outbox::subject.eq(SCRUBBED_SUBJECT),
            outbox::body_text.eq(SCRUBBED_BODY),
            outbox::body_html.eq(None::<String>),
            outbox::scrubbed_at.eq(now),
            outbox::updated_at.eq(now),
        ))
        .execute(conn)
}

/// The per-note key names the customer's address; digests keep theirs (no address in it),
/// so the schedule does not send the same digest again.
fn retire_keys(conn: &mut DbConn, rows: &[OutboxId], ids: &[NoteId]) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(rows))
            .filter(outbox::note_id.eq_any(ids)),
    )
    .set(
        outbox::dedupe_key.eq(diesel::dsl::sql::<diesel::sql_types::Text>(
            "'erased:' || id",
        )),
    )
    .execute(conn)
}

/// The emails that went to the notes' customers lose the address.
fn forget_recipients(
    conn: &mut DbConn,
    rows: &[OutboxId],
    emails: &[String],
) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(rows))
            .filter(outbox::recipient.eq_any(emails)),
    )
    .set((
        outbox::recipient.eq(SCRUBBED_RECIPIENT),
        outbox::recipient_name.eq(None::<String>),
    ))
    .execute(conn)
}
