//! Abuse limits kept in the database, so every instance sees the same numbers: fixed-window
//! request counters, wrong-password throttles per (account, client), and the public form
//! tokens already used.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text, Timestamp};

use crate::db::DbConn;
use crate::db::schema::{login_throttles, rate_counters, used_form_tokens};
use crate::domain::throttle;

#[derive(QueryableByName)]
struct Window {
    #[diesel(sql_type = Integer)]
    hits: i32,
    #[diesel(sql_type = Timestamp)]
    window_start: NaiveDateTime,
}

/// Counts one hit on `bucket` in a fixed window of `window` starting at its first hit;
/// returns the hits so far in the current window and when it started. One statement, so
/// concurrent instances never lose a count.
pub fn hit(
    conn: &mut DbConn,
    bucket: &str,
    now: NaiveDateTime,
    window: Duration,
) -> QueryResult<(i32, NaiveDateTime)> {
    let stale = now - window;
    let sql = match conn {
        DbConn::Sqlite(_) => {
            "INSERT INTO rate_counters (bucket, window_start, hits) VALUES (?, ?, 1) \
             ON CONFLICT (bucket) DO UPDATE SET \
             hits = CASE WHEN rate_counters.window_start <= ? THEN 1 ELSE rate_counters.hits + 1 END, \
             window_start = CASE WHEN rate_counters.window_start <= ? THEN excluded.window_start \
             ELSE rate_counters.window_start END \
             RETURNING hits, window_start"
        }
        DbConn::Pg(_) => {
            "INSERT INTO rate_counters (bucket, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (bucket) DO UPDATE SET \
             hits = CASE WHEN rate_counters.window_start <= $3 THEN 1 ELSE rate_counters.hits + 1 END, \
             window_start = CASE WHEN rate_counters.window_start <= $4 THEN excluded.window_start \
             ELSE rate_counters.window_start END \
             RETURNING hits, window_start"
        }
    };
    let row: Window = diesel::sql_query(sql)
        .bind::<Text, _>(bucket)
        .bind::<Timestamp, _>(now)
        .bind::<Timestamp, _>(stale)
        .bind::<Timestamp, _>(stale)
        .get_result(conn)?;
    Ok((row.hits, row.window_start))
}

/// Seconds `account` must still wait before another try from `client`, if any.
pub fn login_wait(
    conn: &mut DbConn,
    account: &str,
    client: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<i64>> {
    let row: Option<(i32, NaiveDateTime)> = login_throttles::table
        .find((account, client))
        .select((login_throttles::failures, login_throttles::last_failure_at))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(failures, last)| throttle::wait(failures, last, now)))
}

/// Records a wrong password for `account` from `client`.
pub fn login_failed(
    conn: &mut DbConn,
    account: &str,
    client: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    // Failures long ago no longer count: start again from one.
    diesel::delete(
        login_throttles::table
            .filter(login_throttles::account.eq(account))
            .filter(login_throttles::client.eq(client))
            .filter(login_throttles::last_failure_at.le(now - throttle::forget_after())),
    )
    .execute(conn)?;
    crate::per_backend!(conn, c => diesel::insert_into(login_throttles::table)
        .values((
            login_throttles::account.eq(account),
            login_throttles::client.eq(client),
            login_throttles::failures.eq(1),
            login_throttles::last_failure_at.eq(now),
        ))
        .on_conflict((login_throttles::account, login_throttles::client))
        .do_update()
        .set((
            login_throttles::failures.eq(login_throttles::failures + 1),
            login_throttles::last_failure_at.eq(now),
        ))
        .execute(c))?;
    Ok(())
}

/// Forgets every wrong password for `account` (a sign-in, a reset or an accepted invitation).
pub fn login_clear(conn: &mut DbConn, account: &str) -> QueryResult<()> {
    diesel::delete(login_throttles::table.filter(login_throttles::account.eq(account)))
        .execute(conn)?;
    Ok(())
}

/// Marks a public form token used; false when it already was (a replayed form).
pub fn use_form_token(
    conn: &mut DbConn,
    nonce: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<bool> {
    let inserted = crate::per_backend!(conn, c => diesel::insert_into(used_form_tokens::table)
        .values((
            used_form_tokens::nonce.eq(nonce),
            used_form_tokens::expires_at.eq(expires_at),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(inserted == 1)
}

/// Removes what no longer matters: used tokens past expiry, old windows and throttles.
pub fn purge(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    let tokens =
        diesel::delete(used_form_tokens::table.filter(used_form_tokens::expires_at.lt(now)))
            .execute(conn)?;
    let windows = diesel::delete(
        rate_counters::table.filter(rate_counters::window_start.lt(now - Duration::hours(1))),
    )
    .execute(conn)?;
    let throttles = diesel::delete(
        login_throttles::table
            .filter(login_throttles::last_failure_at.lt(now - throttle::forget_after())),
    )
    .execute(conn)?;
    Ok(tokens + windows + throttles)
}
