//! Sending: the mail worker claims due rows under a lease, then records each as sent,
//! failed (to retry later, or dead) or released; a worker whose lease ran out records
//! nothing.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::OutboxId;
use crate::db::schema::outbox;
use crate::domain::OutboxStatus;

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
        let ids = due(conn, now, limit)?;
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

/// Up to `limit` rows due at `now` that no lease holds, the longest waiting first (locked
/// on PostgreSQL until the transaction ends).
fn due(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<OutboxId>> {
    let due = outbox::status
        .eq(OutboxStatus::Pending)
        .and(outbox::next_attempt_at.le(now))
        .and(
            outbox::locked_until
                .is_null()
                .or(outbox::locked_until.le(now)),
        );
    let query = outbox::table
        .filter(due)
        .order(outbox::next_attempt_at.asc())
        .limit(limit)
        .select(outbox::id);
    match conn {
        DbConn::Pg(c) => query.for_update().skip_locked().load(c),
        DbConn::Sqlite(c) => query.load(c),
    }
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
            outbox::status.eq(OutboxStatus::Sent),
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
        OutboxStatus::Pending
    } else {
        OutboxStatus::Dead
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
