//! The outbox: one row per email, written in the same transaction as what caused it;
//! the admins' view of it. The worker's side is in [`sending`], erasure's in [`scrub`].

mod scrub;
mod sending;

use chrono::NaiveDateTime;
use diesel::prelude::*;

pub use scrub::{SCRUBBED_BODY, SCRUBBED_RECIPIENT, SCRUBBED_SUBJECT, scrub_for_notes};
pub use sending::{Claimed, claim, is_scrubbed, mark_failed, mark_sent, release};

use crate::db::DbConn;
use crate::db::ids::{NoteId, OutboxId};
use crate::db::schema::{outbox, outbox_notes};
use crate::domain::OutboxStatus;
use crate::domain::routing::Mail;
use crate::mail::render::Rendered;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = outbox, treat_none_as_null = true)]
pub struct NewMail {
    pub id: OutboxId,
    pub dedupe_key: String,
    pub template: String,
    pub note_id: Option<NoteId>,
    pub recipient_name: Option<String>,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl NewMail {
    /// A pending email, due now. `dedupe_key` makes enqueueing the same email twice a no-op.
    pub fn new(
        dedupe_key: String,
        template: &str,
        note_id: Option<&NoteId>,
        recipient_name: &str,
        recipient: &str,
        rendered: Rendered,
    ) -> Self {
        let now = super::now();
        Self {
            id: OutboxId::new(),
            dedupe_key,
            template: template.to_owned(),
            note_id: note_id.cloned(),
            recipient_name: Some(recipient_name.to_owned()).filter(|n| !n.is_empty()),
            recipient: recipient.to_owned(),
            subject: rendered.subject,
            body_text: rendered.text,
            body_html: Some(rendered.html),
            status: OutboxStatus::Pending,
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
            updated_at: now,
        }
    }
}

/// Queues emails; one whose dedupe key is already queued is skipped. Returns how many were new.
pub fn enqueue(conn: &mut DbConn, mails: &[NewMail]) -> QueryResult<usize> {
    let mut added = 0;
    for mail in mails {
        added += enqueue_one(conn, mail)?;
    }
    Ok(added)
}

/// Whether one more receipt may go to `email` at `now`: at most
/// [`super::intake::RECEIPTS_PER_ADDRESS_HOUR`] an hour, whoever asks.
pub fn may_send_receipt(conn: &mut DbConn, email: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let sent: i64 = outbox::table
        .filter(outbox::recipient.eq(email))
        .filter(outbox::template.eq(Mail::Receipt.template()))
        .filter(outbox::created_at.gt(now - chrono::Duration::hours(1)))
        .count()
        .get_result(conn)?;
    Ok(sent < super::intake::RECEIPTS_PER_ADDRESS_HOUR)
}

fn enqueue_one(conn: &mut DbConn, mail: &NewMail) -> QueryResult<usize> {
    crate::per_backend!(conn, c => diesel::insert_into(outbox::table)
        .values(mail)
        .on_conflict(outbox::dedupe_key)
        .do_nothing()
        .execute(c))
}

/// Queues one email that quotes other notes than its own (a digest), remembering which, so
/// that erasing or expiring any of them scrubs this email too. Returns whether it was new.
pub fn enqueue_quoting(conn: &mut DbConn, mail: &NewMail, quoted: &[NoteId]) -> QueryResult<bool> {
    if enqueue_one(conn, mail)? == 0 {
        return Ok(false);
    }
    let mut quoted = quoted.to_vec();
    quoted.sort();
    quoted.dedup();
    for note in &quoted {
        diesel::insert_into(outbox_notes::table)
            .values((
                outbox_notes::outbox_id.eq(&mail.id),
                outbox_notes::note_id.eq(note),
            ))
            .execute(conn)?;
    }
    Ok(true)
}

/// How many emails are in each status.
pub fn counts(conn: &mut DbConn) -> QueryResult<Vec<(OutboxStatus, i64)>> {
    outbox::table
        .group_by(outbox::status)
        .select((outbox::status, diesel::dsl::count_star()))
        .order(outbox::status.asc())
        .load(conn)
}

/// One email as the admin outbox page lists it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct Listed {
    pub id: OutboxId,
    pub template: String,
    pub recipient: String,
    pub subject: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// A page of emails, newest first, optionally in one status; `before` continues a listing.
pub fn list(
    conn: &mut DbConn,
    status: Option<OutboxStatus>,
    before: Option<&OutboxId>,
    limit: i64,
) -> QueryResult<Vec<Listed>> {
    let mut query = outbox::table
        .order(outbox::id.desc())
        .limit(limit)
        .select(Listed::as_select())
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(outbox::status.eq(status));
    }
    if let Some(before) = before {
        query = query.filter(outbox::id.lt(before.clone()));
    }
    query.load(conn)
}

/// Puts a dead email back in the queue with a fresh set of attempts; false if it was not dead.
pub fn retry_dead(conn: &mut DbConn, id: &OutboxId, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::status.eq(OutboxStatus::Dead))
            // An erased or expired note's emails were cancelled for good.
            .filter(outbox::dedupe_key.not_like("erased:%"))
            .filter(outbox::scrubbed_at.is_null()),
    )
    .set((
        outbox::status.eq(OutboxStatus::Pending),
        outbox::attempts.eq(0),
        outbox::next_attempt_at.eq(now),
        outbox::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The oldest email still waiting to go out, if any: how far behind delivery is.
pub fn oldest_pending(conn: &mut DbConn) -> QueryResult<Option<NaiveDateTime>> {
    outbox::table
        .filter(outbox::status.eq(OutboxStatus::Pending))
        .select(diesel::dsl::min(outbox::created_at))
        .first(conn)
}
