//! The outbox: one row per email, written in the same transaction as what caused it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{FeedbackId, OutboxId};
use crate::db::schema::{feedback, outbox, outbox_notes};
use crate::mail::render::Rendered;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = outbox, treat_none_as_null = true)]
pub struct NewMail {
    pub id: OutboxId,
    pub dedupe_key: String,
    pub template: String,
    pub feedback_id: Option<FeedbackId>,
    pub recipient_name: Option<String>,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub status: String,
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
        feedback_id: Option<&FeedbackId>,
        recipient_name: &str,
        recipient: &str,
        rendered: Rendered,
    ) -> Self {
        let now = super::now();
        Self {
            id: OutboxId::new(),
            dedupe_key,
            template: template.to_owned(),
            feedback_id: feedback_id.cloned(),
            recipient_name: Some(recipient_name.to_owned()).filter(|n| !n.is_empty()),
            recipient: recipient.to_owned(),
            subject: rendered.subject,
            body_text: rendered.text,
            body_html: Some(rendered.html),
            status: "pending".into(),
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
        .filter(outbox::template.eq("receipt"))
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
pub fn enqueue_quoting(
    conn: &mut DbConn,
    mail: &NewMail,
    quoted: &[FeedbackId],
) -> QueryResult<bool> {
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
                outbox_notes::feedback_id.eq(note),
            ))
            .execute(conn)?;
    }
    Ok(true)
}

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
pub fn scrub_for_notes(conn: &mut DbConn, ids: &[FeedbackId]) -> QueryResult<Vec<OutboxId>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let now = super::now();
    let mut rows: Vec<OutboxId> = outbox::table
        .filter(outbox::feedback_id.eq_any(ids))
        .select(outbox::id)
        .load(conn)?;
    let quoting: Vec<OutboxId> = outbox_notes::table
        .filter(outbox_notes::feedback_id.eq_any(ids))
        .select(outbox_notes::outbox_id)
        .load(conn)?;
    rows.extend(quoting);
    rows.sort();
    rows.dedup();
    let emails: Vec<String> = feedback::table
        .filter(feedback::id.eq_any(ids))
        .filter(feedback::customer_email.is_not_null())
        .select(feedback::customer_email.assume_not_null())
        .load(conn)?;
    for chunk in rows.chunks(500) {
        // Not yet sent: cancelled for good (a lease in progress is broken, so a worker
        // holding the row cannot record it as sent).
        diesel::update(
            outbox::table
                .filter(outbox::id.eq_any(chunk))
                .filter(outbox::status.eq("pending")),
        )
        .set((
            outbox::status.eq("dead"),
            outbox::last_error.eq("cancelled: it quoted a note that was erased or expired"),
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::claim_token.eq(None::<String>),
        ))
        .execute(conn)?;
        diesel::update(outbox::table.filter(outbox::id.eq_any(chunk)))
            .set((
                outbox::subject.eq(SCRUBBED_SUBJECT),
                outbox::body_text.eq(SCRUBBED_BODY),
                outbox::body_html.eq(None::<String>),
                outbox::scrubbed_at.eq(now),
                outbox::updated_at.eq(now),
            ))
            .execute(conn)?;
        // The per-note key names the customer's address; digests keep theirs (no address
        // in it), so the schedule does not send the same digest again.
        diesel::update(
            outbox::table
                .filter(outbox::id.eq_any(chunk))
                .filter(outbox::feedback_id.eq_any(ids)),
        )
        .set(
            outbox::dedupe_key.eq(diesel::dsl::sql::<diesel::sql_types::Text>(
                "'erased:' || id",
            )),
        )
        .execute(conn)?;
        if !emails.is_empty() {
            diesel::update(
                outbox::table
                    .filter(outbox::id.eq_any(chunk))
                    .filter(outbox::recipient.eq_any(&emails)),
            )
            .set((
                outbox::recipient.eq(SCRUBBED_RECIPIENT),
                outbox::recipient_name.eq(None::<String>),
            ))
            .execute(conn)?;
        }
    }
    Ok(rows)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct Mail {
    pub id: OutboxId,
    pub dedupe_key: String,
    pub template: String,
    pub feedback_id: Option<FeedbackId>,
    pub recipient_name: Option<String>,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
}

/// Every email about one note, oldest first.
pub fn for_feedback(conn: &mut DbConn, feedback: &FeedbackId) -> QueryResult<Vec<Mail>> {
    outbox::table
        .filter(outbox::feedback_id.eq(feedback))
        .order(outbox::created_at.asc())
        .select(Mail::as_select())
        .load(conn)
}

/// A row claimed for sending, under a lease that ends at `locked_until`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct Claimed {
    pub id: OutboxId,
    pub recipient_name: Option<String>,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub attempts: i32,
    pub claim_token: Option<String>,
}

/// Claims up to `limit` due rows for `lease`: rows another worker holds are skipped
/// (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's `BEGIN IMMEDIATE` serialises claims).
pub fn claim(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease: chrono::Duration,
    limit: i64,
) -> QueryResult<Vec<Claimed>> {
    crate::db::write_tx(conn, |conn| {
        let due = outbox::status
            .eq("pending")
            .and(outbox::next_attempt_at.le(now))
            .and(
                outbox::locked_until
                    .is_null()
                    .or(outbox::locked_until.le(now)),
            );
        let ids: Vec<OutboxId> = match conn {
            DbConn::Pg(c) => outbox::table
                .filter(due)
                .order(outbox::next_attempt_at.asc())
                .limit(limit)
                .select(outbox::id)
                .for_update()
                .skip_locked()
                .load(c)?,
            DbConn::Sqlite(c) => outbox::table
                .filter(due)
                .order(outbox::next_attempt_at.asc())
                .limit(limit)
                .select(outbox::id)
                .load(c)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let token = uuid::Uuid::now_v7().to_string();
        diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
            .set((
                outbox::locked_until.eq(now + lease),
                outbox::claim_token.eq(&token),
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::updated_at.eq(now),
            ))
            .execute(conn)?;
        outbox::table
            .filter(outbox::claim_token.eq(&token))
            .order(outbox::next_attempt_at.asc())
            .select(Claimed::as_select())
            .load(conn)
    })
}

type ById<'a> = diesel::dsl::Filter<outbox::table, diesel::dsl::Eq<outbox::id, &'a OutboxId>>;
type ByClaim<'a> = diesel::dsl::Filter<ById<'a>, diesel::dsl::Eq<outbox::claim_token, &'a str>>;

/// The row, only while this claim holds it.
fn claimed_by<'a>(id: &'a OutboxId, token: &'a str) -> ByClaim<'a> {
    outbox::table
        .filter(outbox::id.eq(id))
        .filter(outbox::claim_token.eq(token))
}

/// Whether an email lost its words to erasure or retention.
pub fn is_scrubbed(conn: &mut DbConn, id: &OutboxId) -> QueryResult<bool> {
    outbox::table
        .find(id)
        .select(outbox::scrubbed_at.is_not_null())
        .first(conn)
        .optional()
        .map(|s| s.unwrap_or(false))
}

/// Records a delivery; false if the claim was lost (the lease ran out and another worker took it).
pub fn mark_sent(
    conn: &mut DbConn,
    id: &OutboxId,
    token: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(claimed_by(id, token))
        .set((
            outbox::status.eq("sent"),
            outbox::sent_at.eq(now),
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::claim_token.eq(None::<String>),
            outbox::last_error.eq(None::<String>),
            outbox::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Records a failed attempt: retried at `retry_at`, or dead when there is none.
pub fn mark_failed(
    conn: &mut DbConn,
    id: &OutboxId,
    token: &str,
    now: NaiveDateTime,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> QueryResult<bool> {
    let error: String = error.chars().take(1000).collect();
    let status = if retry_at.is_some() {
        "pending"
    } else {
        "dead"
    };
    let n = diesel::update(claimed_by(id, token))
        .set((
            outbox::status.eq(status),
            outbox::next_attempt_at.eq(retry_at.unwrap_or(now)),
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::claim_token.eq(None::<String>),
            outbox::last_error.eq(error),
            outbox::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Gives a claimed row back unsent (at shutdown), without counting the attempt.
pub fn release(conn: &mut DbConn, id: &OutboxId, token: &str) -> QueryResult<bool> {
    let n = diesel::update(claimed_by(id, token))
        .set((
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::claim_token.eq(None::<String>),
            outbox::attempts.eq(outbox::attempts - 1),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// How many emails are in each status.
pub fn counts(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
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
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// A page of emails, newest first, optionally in one status; `before` continues a listing.
pub fn list(
    conn: &mut DbConn,
    status: Option<&str>,
    before: Option<&OutboxId>,
    limit: i64,
) -> QueryResult<Vec<Listed>> {
    let mut query = outbox::table
        .order(outbox::id.desc())
        .limit(limit)
        .select(Listed::as_select())
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(outbox::status.eq(status.to_owned()));
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
            .filter(outbox::status.eq("dead"))
            // An erased or expired note's emails were cancelled for good.
            .filter(outbox::dedupe_key.not_like("erased:%"))
            .filter(outbox::scrubbed_at.is_null()),
    )
    .set((
        outbox::status.eq("pending"),
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
        .filter(outbox::status.eq("pending"))
        .select(diesel::dsl::min(outbox::created_at))
        .first(conn)
}
