//! Everything Heard holds about one note, for the customer who wrote it: their data export.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde_json::{Value, json};

use super::{ReceiptView, view};
use crate::db::DbConn;
use crate::db::ids::NoteId;
use crate::db::schema::{notes, outbox, staff, stories};
use crate::domain::{Channel, Display, OutboxStatus, StoryStatus};
use crate::store::StoreResult;

/// What the receipt page does not show: the customer's name and address as given, how
/// they chose to be named, and where and when they were helped.
#[derive(Queryable, Selectable)]
#[diesel(table_name = notes)]
struct Private {
    customer_name: Option<String>,
    customer_email: Option<String>,
    display: Display,
    channel: Option<Channel>,
    interaction_date: Option<NaiveDate>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = stories)]
struct Story {
    status: StoryStatus,
    body: Option<String>,
    published_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = outbox)]
struct Email {
    subject: String,
    status: OutboxStatus,
    sent_at: Option<NaiveDateTime>,
}

fn iso(t: NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Everything Heard holds about one note, for the customer who wrote it (their data export).
pub fn export(conn: &mut DbConn, token_hash: &str) -> StoreResult<Value> {
    let view = view(conn, token_hash)?;
    let private: Private = notes::table
        .find(&view.id)
        .select(Private::as_select())
        .first(conn)?;
    let story: Option<Story> = stories::table
        .filter(stories::note_id.eq(&view.id))
        .select(Story::as_select())
        .first(conn)
        .optional()?;
    let emails = emails_to(conn, &view, private.customer_email.as_deref())?;
    Ok(json!({
        "reference": view.reference,
        "kind": view.kind,
        "status": view.status_label,
        "sent": view.created,
        "you": {
            "name": private.customer_name,
            "email": private.customer_email,
            "named_in_public_as": view.public_name,
            "display": private.display,
        },
        "words": view.body,
        "about": view.rep_public,
        "channel": private.channel,
        "interaction_date": private.interaction_date,
        "consent_to_publish": view.consent_publish,
        "story": story.map(|s| json!({
            "status": s.status,
            "published_words": s.body,
            "published_at": s.published_at.map(iso),
        })),
        "history": view.history,
        "emails_to_you": emails,
    }))
}

/// The emails about the note sent to `address`, oldest first.
fn emails_to(
    conn: &mut DbConn,
    view: &ReceiptView,
    address: Option<&str>,
) -> QueryResult<Vec<Value>> {
    let Some(address) = address else {
        return Ok(Vec::new());
    };
    let emails: Vec<Email> = outbox::table
        .filter(outbox::note_id.eq(&view.id))
        .filter(outbox::recipient.eq(address))
        .order(outbox::created_at.asc())
        .select(Email::as_select())
        .load(conn)?;
    // A rep who chose not to be named in public is named in the subjects as on the
    // receipt page, whatever their choice was when the email went out.
    let unnamed_rep = unnamed_rep(conn, &view.id)?.filter(|name| !name.is_empty());
    let rep_public = view
        .rep_public
        .as_deref()
        .unwrap_or("the person who helped you");
    Ok(emails
        .into_iter()
        .map(|e| {
            let subject = match &unnamed_rep {
                Some(name) => e.subject.replace(name.as_str(), rep_public),
                None => e.subject,
            };
            json!({"subject": subject, "status": e.status, "sent_at": e.sent_at.map(iso)})
        })
        .collect())
}

/// The name of the note's rep, if they chose not to be named in public.
fn unnamed_rep(conn: &mut DbConn, id: &NoteId) -> QueryResult<Option<String>> {
    notes::table
        .find(id)
        .inner_join(staff::table.on(notes::rep_id.eq(staff::id.nullable())))
        .filter(staff::public_naming.eq(false))
        .select(staff::name)
        .first(conn)
        .optional()
}
