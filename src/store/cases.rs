//! Complaint cases: open → acknowledged → resolved, with a due time.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{CaseId, FeedbackId};
use crate::db::schema::cases;

#[derive(Debug, Insertable)]
#[diesel(table_name = cases)]
struct NewCase<'a> {
    id: CaseId,
    feedback_id: &'a FeedbackId,
    status: &'a str,
    due_at: NaiveDateTime,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Opens the case for a complaint, due for acknowledgement at `due_at`.
pub fn open(
    conn: &mut DbConn,
    feedback: &FeedbackId,
    due_at: NaiveDateTime,
) -> QueryResult<CaseId> {
    let id = CaseId::new();
    let now = super::now();
    diesel::insert_into(cases::table)
        .values(NewCase {
            id: id.clone(),
            feedback_id: feedback,
            status: "open",
            due_at,
            created_at: now,
            updated_at: now,
        })
        .execute(conn)?;
    Ok(id)
}
