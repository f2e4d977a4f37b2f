//! The outbox: one row per email, written in the same transaction as what caused it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{FeedbackId, OutboxId};
use crate::db::schema::outbox;
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
        added += crate::per_backend!(conn, c => diesel::insert_into(outbox::table)
            .values(mail)
            .on_conflict(outbox::dedupe_key)
            .do_nothing()
            .execute(c))?;
    }
    Ok(added)
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
