//! Requests answered before: a retry with the same `Idempotency-Key` from the same client
//! gets the first result; the same content again within minutes is not stored twice, and is
//! answered with the reference only (its receipt goes again to the note's own address).
//! Requests that arrive together wait for each other (see [`hold`]), so this holds for them too.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::{
    Accepted, DUPLICATE_WINDOW_MINUTES, IDEMPOTENCY_HOURS, IntakeContext, Outcome,
    issued_receipt_token,
};
use crate::db::DbConn;
use crate::db::ids::NoteId;
use crate::db::schema::notes;
use crate::domain::{NoteStatus, Submission};
use crate::store::{StoreError, StoreResult};

/// What a submission is recognised by: its content, and the client's `Idempotency-Key`
/// (bound to the client that sent it); both are stored with the note.
pub(super) struct Keys {
    pub content: String,
    pub idempotency: Option<String>,
}

impl Keys {
    pub fn new(ctx: &IntakeContext<'_>, sub: &Submission, idempotency_key: Option<&str>) -> Self {
        Self {
            content: content_hash(sub),
            idempotency: idempotency_key.map(|key| idempotency_hash(ctx.client.as_deref(), key)),
        }
    }
}

/// Waits until no other transaction is accepting the same words or the same key, then holds
/// both until this transaction ends, so that [`answered_before`] and the insert after it
/// cannot race. On PostgreSQL (READ COMMITTED) these are transaction-scoped advisory locks,
/// taken first in the transaction and in one order, so waiting cannot deadlock; once one is
/// granted, the next statement sees the note the other transaction committed. They go with
/// the transaction (commit or rollback), so a retried transaction takes them afresh.
/// SQLite needs nothing: `write_tx` begins `IMMEDIATE`, one writer at a time.
pub(super) fn hold(conn: &mut DbConn, keys: &Keys) -> QueryResult<()> {
    let DbConn::Pg(pg) = conn else {
        return Ok(());
    };
    let mut locks: Vec<i64> = std::iter::once(&keys.content)
        .chain(&keys.idempotency)
        .map(|hash| lock_id(hash))
        .collect();
    locks.sort_unstable();
    locks.dedup();
    for id in locks {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<BigInt, _>(id)
            .execute(pg)?;
    }
    Ok(())
}

/// An advisory lock's number: the first 64 bits of a key's SHA-256 (hex). Two keys that
/// share it only wait for each other.
fn lock_id(hash: &str) -> i64 {
    let bits = hash
        .get(..16)
        .and_then(|hex| u64::from_str_radix(hex, 16).ok())
        .unwrap_or_default();
    i64::from_be_bytes(bits.to_be_bytes())
}

/// The first answer again, for a retry with the same key or the same note within minutes.
pub(super) fn answered_before(
    conn: &mut DbConn,
    ctx: &IntakeContext<'_>,
    keys: &Keys,
    now: NaiveDateTime,
) -> StoreResult<Option<Accepted>> {
    if let Some(key_hash) = &keys.idempotency
        && let Some(first) = replay(conn, ctx, key_hash, &keys.content, now)?
    {
        return Ok(Some(first));
    }
    let repeat: Option<NoteId> = notes::table
        .filter(notes::content_hash.eq(&keys.content))
        .filter(notes::created_at.gt(now - Duration::minutes(DUPLICATE_WINDOW_MINUTES)))
        .select(notes::id)
        .first(conn)
        .optional()?;
    let Some(id) = repeat else {
        return Ok(None);
    };
    let receipt_resent = crate::store::receipts::resend_after_repeat(conn, ctx.links(), &id, now)?;
    let outcome = Outcome::Repeat { receipt_resent };
    Ok(Some(existing(conn, id, None, outcome)?))
}

fn idempotency_hash(client: Option<&str>, key: &str) -> String {
    crate::store::hash_token(&format!("{}\u{0}{key}", client.unwrap_or("")))
}

fn content_hash(s: &Submission) -> String {
    let parts = [
        s.kind.as_str(),
        s.rep.as_ref().map_or("", |h| h.as_str()),
        s.team.as_deref().unwrap_or(""),
        s.customer_name.as_ref().map_or("", |n| n.as_str()),
        s.customer_email.as_ref().map_or("", |e| e.as_str()),
        s.body.as_str(),
    ];
    crate::store::hash_token(&parts.join("\u{0}"))
}

fn existing(
    conn: &mut DbConn,
    id: NoteId,
    token: Option<String>,
    outcome: Outcome,
) -> QueryResult<Accepted> {
    let (reference, status): (String, NoteStatus) = notes::table
        .find(&id)
        .select((notes::reference, notes::status))
        .first(conn)?;
    Ok(Accepted {
        receipt_token: token,
        id,
        reference,
        status,
        outcome,
    })
}

/// A retry with the same key from the same client within a day: the first result, or a
/// refusal that says nothing about the first note when the content differs. An older use
/// of the key is forgotten.
fn replay(
    conn: &mut DbConn,
    ctx: &IntakeContext<'_>,
    key_hash: &str,
    content: &str,
    now: NaiveDateTime,
) -> StoreResult<Option<Accepted>> {
    type First = (NoteId, Option<String>, NaiveDateTime, i32, Option<String>);
    let first: Option<First> = notes::table
        .filter(notes::idempotency_key.eq(key_hash))
        .select((
            notes::id,
            notes::content_hash,
            notes::created_at,
            notes::receipt_generation,
            notes::receipt_token_hash,
        ))
        .first(conn)
        .optional()?;
    let Some((id, first_hash, created, generation, stored)) = first else {
        return Ok(None);
    };
    if created <= now - Duration::hours(IDEMPOTENCY_HOURS) {
        diesel::update(notes::table.find(&id))
            .set(notes::idempotency_key.eq(None::<String>))
            .execute(conn)?;
        return Ok(None);
    }
    if first_hash.as_deref() != Some(content) {
        return Err(StoreError::invalid(
            "Idempotency-Key",
            "This key was already used for a different request. Use a new key for a new note.",
        ));
    }
    // The link the first answer gave, even if the key has been rotated since.
    let token = issued_receipt_token(ctx.secret, &id, generation, stored.as_deref());
    Ok(Some(existing(conn, id, Some(token), Outcome::Replayed)?))
}
