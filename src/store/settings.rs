//! Organisation settings an admin can change at run time, with their defaults.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::settings;

/// Hours a manager has to acknowledge a complaint before it is overdue.
pub const COMPLAINT_DUE_HOURS: (&str, i64) = ("complaint_due_hours", 48);
/// Whether a complaint reaches the rep at once (1) or only once acknowledged (0).
pub const COMPLAINT_TO_REP_AT_ONCE: (&str, i64) = ("complaint_to_rep_at_once", 1);

/// A numeric setting, or its default when unset or unreadable.
pub fn number(conn: &mut DbConn, (key, default): (&str, i64)) -> QueryResult<i64> {
    let value: Option<String> = settings::table
        .find(key)
        .select(settings::value)
        .first(conn)
        .optional()?;
    Ok(value.and_then(|v| v.parse().ok()).unwrap_or(default))
}
