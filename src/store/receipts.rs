//! What a customer can see and do through their private receipt link: follow their note,
//! withdraw consent to publish, or erase it everywhere.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::note_facts::{Links, NoteFacts};
use crate::db::ids::{FeedbackId, OutboxId, StaffId};
use crate::db::schema::{cases, feedback, note_events, outbox, staff, stories, teams};
use crate::db::{DbConn, write_tx};
use crate::domain::{Display, PersonName};
use crate::error::AppError;

#[derive(Debug, Clone, serde::Serialize)]
pub struct ReceiptView {
    #[serde(skip)]
    pub id: FeedbackId,
    pub reference: String,
    pub kind: String,
    pub status: String,
    pub status_label: String,
    pub body: Option<String>,
    pub consent_publish: bool,
    pub public_name: String,
    pub has_email: bool,
    pub erased: bool,
    pub rep_public: Option<String>,
    pub created: String,
    /// What staff did that the customer may see: acknowledgement, resolution, replies.
    pub history: Vec<super::events::Event>,
}

type Row = (
    FeedbackId,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    bool,
    NaiveDateTime,
    Option<StaffId>,
);

fn find(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<Row>> {
    feedback::table
        .filter(feedback::receipt_token_hash.eq(token_hash))
        .select((
            feedback::id,
            feedback::reference,
            feedback::kind,
            feedback::status,
            feedback::body,
            feedback::customer_name,
            feedback::customer_email,
            feedback::display,
            feedback::consent_publish,
            feedback::created_at,
            feedback::rep_id,
        ))
        .first(conn)
        .optional()
}

fn label(kind: &str, status: &str, case: Option<&str>) -> &'static str {
    match (kind, status, case) {
        (_, "erased", _) => "Erased at your request",
        ("complaint", _, Some("acknowledged")) => "Acknowledged: the manager is looking into it",
        ("complaint", _, Some("resolved")) => "Resolved",
        ("complaint", _, _) => "Sent to the manager, waiting to be acknowledged",
        (_, "awaiting_moderation", _) => {
            "Delivered; a manager will read it before it goes on the wall"
        }
        (_, "published", _) => "Delivered and published on the wall",
        (_, "declined", _) => "Delivered; a manager decided not to publish it",
        (_, "unpublished", _) => "Delivered; taken off the wall",
        (_, "withdrawn", _) => "Delivered; you withdrew your consent to publish it",
        _ => "Delivered to the person who helped you and their manager",
    }
}

/// The note behind a receipt token, as its author may see it.
pub fn view(conn: &mut DbConn, token_hash: &str) -> Result<ReceiptView, AppError> {
    let (id, reference, kind, status, body, name, email, display, consent, created, rep_id) =
        find(conn, token_hash)?.ok_or(AppError::NotFound)?;
    let case: Option<String> = cases::table
        .filter(cases::feedback_id.eq(&id))
        .select(cases::status)
        .first(conn)
        .optional()?;
    let rep_public = match &rep_id {
        Some(rep) => staff::table
            .left_join(teams::table)
            .filter(staff::id.eq(rep))
            .select((staff::name, staff::public_naming, teams::name.nullable()))
            .first::<(String, bool, Option<String>)>(conn)
            .optional()?
            .map(|(name, public, team)| match (public, team) {
                (true, _) => name,
                (false, Some(team)) => format!("a member of the {team} team"),
                (false, None) => "the person who helped you".into(),
            }),
        None => None,
    };
    let person = name.as_deref().and_then(|n| PersonName::parse(n).ok());
    let display = Display::parse(&display).unwrap_or(Display::Anonymous);
    let history = super::events::for_note(conn, &id, true)?;
    Ok(ReceiptView {
        history,
        status_label: label(&kind, &status, case.as_deref()).into(),
        erased: status == "erased",
        public_name: display.public_name(person.as_ref()),
        has_email: email.is_some(),
        id,
        reference,
        kind,
        status,
        body,
        consent_publish: consent,
        rep_public,
        created: created.format("%-d %B %Y, %H:%M UTC").to_string(),
    })
}

/// Queues the receipt email (with the current link) to the note's customer, if they left an
/// address and it has not had its receipts for the hour; true when queued.
fn queue_receipt(
    conn: &mut DbConn,
    links: Links<'_>,
    id: &FeedbackId,
    key: String,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let Some(facts) = NoteFacts::load(conn, id)? else {
        return Ok(false);
    };
    let Some(customer) = facts.customer() else {
        return Ok(false);
    };
    if !super::outbox::may_send_receipt(conn, &customer.email, now)? {
        return Ok(false);
    }
    let mut context = facts.context(links);
    context.insert(
        "due_hours",
        &super::settings::number(conn, super::settings::COMPLAINT_DUE_HOURS)?,
    );
    facts.queue(conn, "receipt", key, &customer, &context)?;
    Ok(true)
}

/// The same note sent again: its receipt goes again to the address the note carries (not
/// to whoever sent the repeat), at most once an hour. True when it was queued.
pub fn resend_after_repeat(
    conn: &mut DbConn,
    links: Links<'_>,
    id: &FeedbackId,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let last: Option<NaiveDateTime> = feedback::table
        .find(id)
        .select(feedback::receipt_resent_at)
        .first(conn)?;
    if last.is_some_and(|at| at > now - chrono::Duration::hours(1)) {
        return Ok(false);
    }
    let key = format!("receipt-again:{id}:{}", now.and_utc().timestamp());
    let queued = queue_receipt(conn, links, id, key, now)?;
    if queued {
        diesel::update(feedback::table.find(id))
            .set(feedback::receipt_resent_at.eq(now))
            .execute(conn)?;
    }
    Ok(queued)
}

/// A new private link for the note behind `token_hash`: the old one stops working at once.
/// The customer's address (if any, and within its hourly receipts) is sent the new link.
/// Returns the new token and whether it was emailed.
pub fn rotate(
    conn: &mut DbConn,
    links: Links<'_>,
    token_hash: &str,
) -> Result<(String, bool), AppError> {
    write_tx(conn, |conn| {
        let row = find(conn, token_hash)?.ok_or(AppError::NotFound)?;
        let id = row.0;
        let now = super::now();
        let generation: i32 = feedback::table
            .find(&id)
            .select(feedback::receipt_generation)
            .first::<i32>(conn)?
            + 1;
        let token = super::intake::receipt_token(links.secret, &id, generation);
        diesel::update(feedback::table.find(&id))
            .set((
                feedback::receipt_generation.eq(generation),
                feedback::receipt_token_hash.eq(super::hash_token(&token)),
                feedback::updated_at.eq(now),
            ))
            .execute(conn)?;
        let emailed = queue_receipt(
            conn,
            links,
            &id,
            format!("receipt-rotated:{id}:{generation}"),
            now,
        )?;
        super::audit::record(
            conn,
            &super::audit::Actor::System("customer"),
            "feedback.rotate_receipt",
            Some(id.as_str()),
            None,
            None,
        )?;
        Ok((token, emailed))
    })
}

/// Withdraws consent to publish: the story leaves the wall at once and never returns.
pub fn withdraw(conn: &mut DbConn, token_hash: &str) -> Result<(), AppError> {
    write_tx(conn, |conn| {
        let row = find(conn, token_hash)?.ok_or(AppError::NotFound)?;
        let (id, status, consent) = (row.0, row.3, row.8);
        if status == "erased" {
            return Err(AppError::Gone);
        }
        if !consent {
            return Err(AppError::Conflict(
                "This note was never going to be published.".into(),
            ));
        }
        let now = super::now();
        diesel::update(feedback::table.find(&id))
            .set((
                feedback::consent_publish.eq(false),
                feedback::status.eq("withdrawn"),
                feedback::updated_at.eq(now),
            ))
            .execute(conn)?;
        diesel::update(stories::table.filter(stories::feedback_id.eq(&id)))
            .set((stories::status.eq("withdrawn"), stories::updated_at.eq(now)))
            .execute(conn)?;
        super::audit::record(
            conn,
            &super::audit::Actor::System("customer"),
            "feedback.withdraw_consent",
            Some(id.as_str()),
            None,
            None,
        )?;
        Ok(())
    })
}

/// Erases the customer's name, email and words everywhere (note, story, queued and sent
/// emails, digests quoting it); the row stays as a tombstone so counts still add up.
/// Returns the outbox rows scrubbed, whose `.eml` copies the caller removes.
pub fn erase(conn: &mut DbConn, token_hash: &str) -> Result<Vec<OutboxId>, AppError> {
    write_tx(conn, |conn| {
        let row = find(conn, token_hash)?.ok_or(AppError::NotFound)?;
        let (id, status) = (row.0, row.3);
        if status == "erased" {
            return Ok(Vec::new());
        }
        let scrubbed = erase_note(conn, &id)?;
        super::audit::record(
            conn,
            &super::audit::Actor::System("customer"),
            "feedback.erase",
            Some(id.as_str()),
            None,
            None,
        )?;
        Ok(scrubbed)
    })
}

/// The erasure itself, shared by customers and admins; returns the outbox rows scrubbed.
pub fn erase_note(conn: &mut DbConn, id: &FeedbackId) -> QueryResult<Vec<OutboxId>> {
    let now = super::now();
    // First, while the note still names its customer's address.
    let scrubbed = super::outbox::scrub_for_notes(conn, std::slice::from_ref(id))?;
    diesel::update(feedback::table.find(id))
        .set((
            feedback::customer_name.eq(None::<String>),
            feedback::customer_email.eq(None::<String>),
            feedback::body.eq(None::<String>),
            feedback::content_hash.eq(None::<String>),
            feedback::consent_publish.eq(false),
            feedback::status.eq("erased"),
            feedback::erased_at.eq(now),
            feedback::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(stories::table.filter(stories::feedback_id.eq(id)))
        .set((
            stories::body.eq(None::<String>),
            stories::status.eq("withdrawn"),
            stories::updated_at.eq(now),
        ))
        .execute(conn)?;
    // What staff wrote back may quote the customer: it goes too (the events stay, for times).
    diesel::update(note_events::table.filter(note_events::feedback_id.eq(id)))
        .set(note_events::body.eq(None::<String>))
        .execute(conn)?;
    diesel::update(cases::table.filter(cases::feedback_id.eq(id)))
        .set(cases::resolution_note.eq(None::<String>))
        .execute(conn)?;
    Ok(scrubbed)
}

/// Everything Heard holds about one note, for the customer who wrote it (their data export).
pub fn export(conn: &mut DbConn, token_hash: &str) -> Result<serde_json::Value, AppError> {
    let view = view(conn, token_hash)?;
    let id = view.id.clone();
    let (name, email, display, channel, date): (
        Option<String>,
        Option<String>,
        String,
        Option<String>,
        Option<chrono::NaiveDate>,
    ) = feedback::table
        .find(&id)
        .select((
            feedback::customer_name,
            feedback::customer_email,
            feedback::display,
            feedback::channel,
            feedback::interaction_date,
        ))
        .first(conn)?;
    let story: Option<(String, Option<String>, Option<NaiveDateTime>)> = stories::table
        .filter(stories::feedback_id.eq(&id))
        .select((stories::status, stories::body, stories::published_at))
        .first(conn)
        .optional()?;
    let emails: Vec<(String, String, Option<NaiveDateTime>)> = match &email {
        Some(address) => outbox::table
            .filter(outbox::feedback_id.eq(&id))
            .filter(outbox::recipient.eq(address))
            .order(outbox::created_at.asc())
            .select((outbox::subject, outbox::status, outbox::sent_at))
            .load(conn)?,
        None => Vec::new(),
    };
    // A rep who chose not to be named in public is named in the subjects as on the
    // receipt page, whatever their choice was when the email went out.
    let unnamed_rep: Option<String> = feedback::table
        .find(&id)
        .inner_join(staff::table.on(feedback::rep_id.eq(staff::id.nullable())))
        .filter(staff::public_naming.eq(false))
        .select(staff::name)
        .first(conn)
        .optional()?;
    let rep_public = view
        .rep_public
        .clone()
        .unwrap_or_else(|| "the person who helped you".into());
    let as_public = |subject: String| match &unnamed_rep {
        Some(name) if !name.is_empty() => subject.replace(name.as_str(), &rep_public),
        _ => subject,
    };
    let iso = |t: NaiveDateTime| {
        t.and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    Ok(serde_json::json!({
        "reference": view.reference,
        "kind": view.kind,
        "status": view.status_label,
        "sent": view.created,
        "you": {"name": name, "email": email, "named_in_public_as": view.public_name, "display": display},
        "words": view.body,
        "about": view.rep_public,
        "channel": channel,
        "interaction_date": date,
        "consent_to_publish": view.consent_publish,
        "story": story.map(|(status, body, published)| serde_json::json!({
            "status": status,
            "published_words": body,
            "published_at": published.map(iso),
        })),
        "history": view.history,
        "emails_to_you": emails.into_iter().map(|(subject, status, sent)| serde_json::json!({
            "subject": as_public(subject), "status": status, "sent_at": sent.map(iso),
        })).collect::<Vec<_>>(),
    }))
}

/// Erases every note a customer wrote from one email address (already normalised by
/// [`crate::domain::Email`]), for an admin acting on their request; returns how many notes
/// were erased and the outbox rows scrubbed (whose `.eml` copies the caller removes). The
/// caller records only that it happened.
pub fn erase_by_email(conn: &mut DbConn, email: &str) -> QueryResult<(usize, Vec<OutboxId>)> {
    let ids: Vec<FeedbackId> = feedback::table
        .filter(feedback::customer_email.eq(email))
        .select(feedback::id)
        .load(conn)?;
    let mut scrubbed = Vec::new();
    for id in &ids {
        scrubbed.extend(erase_note(conn, id)?);
    }
    // Emails to that address not tied to a note (none today) lose the address and words too.
    let others: Vec<OutboxId> = outbox::table
        .filter(outbox::recipient.eq(email))
        .select(outbox::id)
        .load(conn)?;
    diesel::update(outbox::table.filter(outbox::id.eq_any(&others)))
        .set((
            outbox::recipient.eq(super::outbox::SCRUBBED_RECIPIENT),
            outbox::recipient_name.eq(None::<String>),
            outbox::subject.eq(super::outbox::SCRUBBED_SUBJECT),
            outbox::body_text.eq(super::outbox::SCRUBBED_BODY),
            outbox::body_html.eq(None::<String>),
            outbox::scrubbed_at.eq(super::now()),
        ))
        .execute(conn)?;
    scrubbed.extend(others);
    scrubbed.sort();
    scrubbed.dedup();
    Ok((ids.len(), scrubbed))
}

/// How many notes carry this customer email (for the admin's confirmation step).
pub fn count_by_email(conn: &mut DbConn, email: &str) -> QueryResult<i64> {
    feedback::table
        .filter(feedback::customer_email.eq(email))
        .count()
        .get_result(conn)
}
