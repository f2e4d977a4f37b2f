//! Organisation settings an admin can change at run time, with their defaults.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::settings;

/// Hours a manager has to acknowledge a complaint before it is overdue.
pub const COMPLAINT_DUE_HOURS: (&str, i64) = ("complaint_due_hours", 48);
/// Whether a complaint reaches the rep at once (1) or only once acknowledged (0).
pub const COMPLAINT_TO_REP_AT_ONCE: (&str, i64) = ("complaint_to_rep_at_once", 1);

/// Whether a rep may acknowledge and resolve complaints about themselves (0 = managers only).
pub const REPS_HANDLE_CASES: (&str, i64) = ("reps_handle_cases", 0);
/// Whether stats pages may rank reps against each other (0 = never).
pub const LEADERBOARD: (&str, i64) = ("leaderboard", 0);
/// Whether `/wall/about` shows, per team, complaints acknowledged in time (0 = no).
pub const WALL_RESPONSE_TIMES: (&str, i64) = ("wall_response_times", 0);
/// Days after a case is resolved that its complaint text and the customer's email are kept
/// (0 = keep).
pub const COMPLAINT_RETENTION_DAYS: (&str, i64) = ("complaint_retention_days", 0);

/// A numeric setting, or its default when unset or unreadable.
pub fn number(conn: &mut DbConn, (key, default): (&str, i64)) -> QueryResult<i64> {
    let value: Option<String> = settings::table
        .find(key)
        .select(settings::value)
        .first(conn)
        .optional()?;
    Ok(value.and_then(|v| v.parse().ok()).unwrap_or(default))
}

/// Every setting an admin can change, in the order the settings page shows them.
pub const ALL: [(&str, i64); 6] = [
    COMPLAINT_DUE_HOURS,
    COMPLAINT_TO_REP_AT_ONCE,
    REPS_HANDLE_CASES,
    LEADERBOARD,
    WALL_RESPONSE_TIMES,
    COMPLAINT_RETENTION_DAYS,
];

/// Stores a setting (insert or replace).
pub fn set(conn: &mut DbConn, key: &str, value: i64) -> QueryResult<()> {
    set_text(conn, key, &value.to_string())
}

/// Text settings by key (those that are set).
pub fn texts(conn: &mut DbConn, keys: &[&str]) -> QueryResult<Vec<(String, String)>> {
    settings::table
        .filter(settings::key.eq_any(keys))
        .select((settings::key, settings::value))
        .load(conn)
}

/// Stores a text setting (insert or replace).
pub fn set_text(conn: &mut DbConn, key: &str, value: &str) -> QueryResult<()> {
    let now = super::now();
    crate::per_backend!(conn, c => diesel::insert_into(settings::table)
        .values((
            settings::key.eq(key),
            settings::value.eq(&value),
            settings::updated_at.eq(now),
        ))
        .on_conflict(settings::key)
        .do_update()
        .set((settings::value.eq(&value), settings::updated_at.eq(now)))
        .execute(c))
    .map(drop)
}
