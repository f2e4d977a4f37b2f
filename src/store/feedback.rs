//! Notes from customers: thank-yous and complaints.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{FeedbackId, StaffId, TeamId};
use crate::db::schema::feedback;

/// A note as it is written to the database (already validated by the domain types).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = feedback, treat_none_as_null = true)]
pub struct NewFeedback {
    pub id: FeedbackId,
    pub reference: String,
    pub kind: String,
    pub rep_id: Option<StaffId>,
    pub team_id: Option<TeamId>,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub display: String,
    pub consent_publish: bool,
    pub allow_reply: bool,
    pub body: Option<String>,
    pub interaction_date: Option<NaiveDate>,
    pub channel: Option<String>,
    pub status: String,
    pub receipt_token_hash: Option<String>,
    pub idempotency_key: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub content_hash: Option<String>,
}

pub fn insert(conn: &mut DbConn, rows: &[NewFeedback]) -> QueryResult<usize> {
    crate::per_backend!(conn, c => diesel::insert_into(feedback::table).values(rows).execute(c))
}

pub fn reference_exists(conn: &mut DbConn, reference: &str) -> QueryResult<bool> {
    let n: i64 = feedback::table
        .filter(feedback::reference.eq(reference))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}
