//! One-time tokens (setup links, invitations, password resets). Only their hashes are stored.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{StaffId, TokenId};
use crate::db::schema::tokens;
pub use crate::domain::TokenKind;

#[derive(Debug, Insertable)]
#[diesel(table_name = tokens)]
struct NewToken<'a> {
    id: TokenId,
    kind: TokenKind,
    token_hash: &'a str,
    staff_id: Option<&'a StaffId>,
    expires_at: NaiveDateTime,
    created_at: NaiveDateTime,
}

/// Creates a token valid for `ttl` and returns the plain value (to put in a link, once).
pub fn create(
    conn: &mut DbConn,
    kind: TokenKind,
    staff_id: Option<&StaffId>,
    ttl: Duration,
) -> QueryResult<String> {
    let (token, hash) = super::new_token();
    let now = super::now();
    diesel::insert_into(tokens::table)
        .values(NewToken {
            id: TokenId::new(),
            kind,
            token_hash: &hash,
            staff_id,
            expires_at: now + ttl,
            created_at: now,
        })
        .execute(conn)?;
    Ok(token)
}

/// Marks every unused token of this kind as used (a setup link works once, for everyone).
pub fn use_up_all(conn: &mut DbConn, kind: TokenKind) -> QueryResult<usize> {
    diesel::update(tokens::table)
        .filter(tokens::kind.eq(kind))
        .filter(tokens::used_at.is_null())
        .set(tokens::used_at.eq(super::now()))
        .execute(conn)
}

/// Whether `token` is an unused, unexpired token of this kind (without using it up).
pub fn is_valid(conn: &mut DbConn, kind: TokenKind, token: &str) -> QueryResult<bool> {
    let n: i64 = tokens::table
        .filter(tokens::token_hash.eq(super::hash_token(token)))
        .filter(tokens::kind.eq(kind))
        .filter(tokens::used_at.is_null())
        .filter(tokens::expires_at.gt(super::now()))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Uses up a valid token of this kind and returns whom it was for; a token works once.
pub fn consume(conn: &mut DbConn, kind: TokenKind, token: &str) -> QueryResult<Option<StaffId>> {
    let hash = super::hash_token(token);
    let now = super::now();
    let found: Option<(TokenId, Option<StaffId>)> = tokens::table
        .filter(tokens::token_hash.eq(&hash))
        .filter(tokens::kind.eq(kind))
        .filter(tokens::used_at.is_null())
        .filter(tokens::expires_at.gt(now))
        .select((tokens::id, tokens::staff_id))
        .first(conn)
        .optional()?;
    let Some((id, staff)) = found else {
        return Ok(None);
    };
    let n = diesel::update(tokens::table.find(&id).filter(tokens::used_at.is_null()))
        .set(tokens::used_at.eq(now))
        .execute(conn)?;
    Ok(staff.filter(|_| n == 1))
}

/// The person a valid token is for, without using it up (to show the form).
pub fn peek(conn: &mut DbConn, kind: TokenKind, token: &str) -> QueryResult<Option<StaffId>> {
    tokens::table
        .filter(tokens::token_hash.eq(super::hash_token(token)))
        .filter(tokens::kind.eq(kind))
        .filter(tokens::used_at.is_null())
        .filter(tokens::expires_at.gt(super::now()))
        .select(tokens::staff_id)
        .first::<Option<StaffId>>(conn)
        .optional()
        .map(Option::flatten)
}

/// Spends every open token of this kind for one person (a new password makes old links void).
pub fn use_up_for(conn: &mut DbConn, kind: TokenKind, staff: &StaffId) -> QueryResult<usize> {
    diesel::update(tokens::table)
        .filter(tokens::kind.eq(kind))
        .filter(tokens::staff_id.eq(staff))
        .filter(tokens::used_at.is_null())
        .set(tokens::used_at.eq(super::now()))
        .execute(conn)
}
