//! The retention policy for complaints: once a case has been resolved for the configured
//! number of days, the complaint's text and the customer's email address are removed from
//! the note and from the emails about it. The note stays, for counts and case times.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::settings;
use crate::db::ids::FeedbackId;
use crate::db::schema::{cases, feedback, outbox};
use crate::db::{DbConn, write_tx};

pub const REMOVED: &str = "(removed under the retention policy)";

/// Applies the policy at `now`; returns how many notes were cleared (0 when it is "keep").
pub fn apply(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    let days = settings::number(conn, settings::COMPLAINT_RETENTION_DAYS)?;
    if days <= 0 {
        return Ok(0);
    }
    let cutoff = now - Duration::days(days);
    let due: Vec<(FeedbackId, Option<String>)> = cases::table
        .inner_join(feedback::table)
        .filter(cases::status.eq("resolved"))
        .filter(cases::resolved_at.le(cutoff))
        .filter(
            feedback::body
                .is_not_null()
                .or(feedback::customer_email.is_not_null()),
        )
        .select((feedback::id, feedback::customer_email))
        .load(conn)?;
    for (id, email) in &due {
        write_tx(conn, |conn| {
            diesel::update(feedback::table.find(id))
                .set((
                    feedback::body.eq(None::<String>),
                    feedback::customer_email.eq(None::<String>),
                    feedback::updated_at.eq(now),
                ))
                .execute(conn)?;
            let mails = outbox::table
                .filter(outbox::feedback_id.eq(id))
                .filter(outbox::status.ne("pending"));
            diesel::update(mails)
                .set((
                    outbox::body_text.eq(REMOVED),
                    outbox::body_html.eq(None::<String>),
                ))
                .execute(conn)?;
            if let Some(email) = email {
                diesel::update(
                    outbox::table
                        .filter(outbox::feedback_id.eq(id))
                        .filter(outbox::recipient.eq(email)),
                )
                .set(outbox::recipient.eq("removed@invalid"))
                .execute(conn)?;
            }
            QueryResult::Ok(())
        })?;
    }
    Ok(due.len())
}
