//! What a customer can see and do through their private receipt link: follow their note,
//! withdraw consent to publish, or erase it everywhere.

use chrono::NaiveDateTime;
use diesel::prelude::*;

mod erasure;
mod export;
mod history;

pub use erasure::{count_by_email, erase_by_email, erase_note};
pub use export::export;

use super::note_facts::{Links, NoteFacts};
use super::{StoreError, StoreResult};
use crate::db::ids::{NoteId, OutboxId, StaffId};
use crate::db::schema::{cases, notes, staff, stories, teams};
use crate::db::{DbConn, write_tx};
use crate::domain::{CaseStatus, Display, NoteKind, NoteStatus, PersonName, StoryStatus};
use crate::mail::compose;

#[derive(Debug, Clone, serde::Serialize)]
pub struct ReceiptView {
    #[serde(skip)]
    pub id: NoteId,
    pub reference: String,
    pub kind: NoteKind,
    pub status: NoteStatus,
    pub status_label: String,
    pub body: Option<String>,
    pub consent_publish: bool,
    pub public_name: String,
    pub has_email: bool,
    pub erased: bool,
    pub rep_public: Option<String>,
    pub created: String,
    /// What staff did that the customer may see: acknowledgement, resolution, replies.
    pub history: Vec<history::Step>,
    /// A complaint not yet acknowledged: when it will be, at the latest.
    pub answer_by: Option<String>,
    /// A thank-you whose customer withdrew consent, and may give it again.
    pub may_consent_again: bool,
}

/// The note behind a receipt token.
#[derive(Queryable, Selectable)]
#[diesel(table_name = notes)]
struct Row {
    id: NoteId,
    reference: String,
    kind: NoteKind,
    status: NoteStatus,
    body: Option<String>,
    customer_name: Option<String>,
    customer_email: Option<String>,
    display: Display,
    consent_publish: bool,
    created_at: NaiveDateTime,
    rep_id: Option<StaffId>,
}

fn find(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<Row>> {
    notes::table
        .filter(notes::receipt_token_hash.eq(token_hash))
        .select(Row::as_select())
        .first(conn)
        .optional()
}

fn label(kind: NoteKind, status: NoteStatus, case: Option<CaseStatus>) -> &'static str {
    use NoteKind::Complaint;
    use NoteStatus as S;
    match (kind, status, case) {
        (_, S::Erased, _) => "Erased at your request",
        (Complaint, _, Some(CaseStatus::Acknowledged)) => {
            "Acknowledged: the manager is looking into it"
        }
        (Complaint, _, Some(CaseStatus::Resolved)) => "Resolved",
        (Complaint, _, _) => "Sent to the manager, waiting to be acknowledged",
        (_, S::AwaitingModeration, _) => {
            "Delivered; a manager will read it before it goes on the wall"
        }
        (_, S::Published, _) => "Delivered and published on the wall",
        (_, S::Declined, _) => "Delivered; a manager decided not to publish it",
        (_, S::Unpublished, _) => "Delivered; taken off the wall",
        (_, S::Withdrawn, _) => "Delivered; you withdrew your consent to publish it",
        (_, S::Received, _) => "Delivered to the person who helped you and their manager",
    }
}

/// The note behind a receipt token, as its author may see it.
pub fn view(conn: &mut DbConn, token_hash: &str) -> StoreResult<ReceiptView> {
    let row = find(conn, token_hash)?.ok_or(StoreError::NotFound)?;
    let case: Option<(CaseStatus, NaiveDateTime)> = cases::table
        .filter(cases::note_id.eq(&row.id))
        .select((cases::status, cases::due_at))
        .first(conn)
        .optional()?;
    let answer_by = case
        .filter(|(status, _)| *status == CaseStatus::Open)
        .map(|(_, due)| due.format("%-d %B %Y, %H:%M UTC").to_string());
    let case = case.map(|(status, _)| status);
    let rep_public = match &row.rep_id {
        Some(rep) => staff::table
            .left_join(teams::table)
            .filter(staff::id.eq(rep))
            .select((staff::name, staff::public_naming, teams::name.nullable()))
            .first::<(String, bool, Option<String>)>(conn)
            .optional()?
            .map(|(name, public, team)| match (public, team) {
                (true, _) => name,
                (false, Some(team)) => format!("a member of the {team} team"),
                // Someone on no team is not "a member of the our team".
                (false, None) => "the person who helped you".into(),
            }),
        None => None,
    };
    let person = row
        .customer_name
        .as_deref()
        .and_then(|n| PersonName::parse(n).ok());
    let history = history::for_customer(conn, &row.id)?;
    Ok(ReceiptView {
        history,
        answer_by,
        may_consent_again: row.kind == NoteKind::Thanks && row.status == NoteStatus::Withdrawn,
        status_label: label(row.kind, row.status, case).into(),
        erased: row.status == NoteStatus::Erased,
        public_name: row.display.public_name(person.as_ref()),
        has_email: row.customer_email.is_some(),
        id: row.id,
        reference: row.reference,
        kind: row.kind,
        status: row.status,
        body: row.body,
        consent_publish: row.consent_publish,
        rep_public,
        created: row.created_at.format("%-d %B %Y, %H:%M UTC").to_string(),
    })
}

/// Queues the receipt email (with the current link) to the note's customer, if they left an
/// address and it has not had its receipts for the hour; true when queued.
fn queue_receipt(
    conn: &mut DbConn,
    links: Links<'_>,
    id: &NoteId,
    key: String,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    let Some(facts) = NoteFacts::load(conn, id)? else {
        return Ok(false);
    };
    let Some(customer) = facts.customer() else {
        return Ok(false);
    };
    if !super::outbox::may_send_receipt(conn, &customer.email, now)? {
        return Ok(false);
    }
    let due_hours = super::settings::number(conn, super::settings::COMPLAINT_DUE_HOURS)?;
    let email = compose::receipt(&facts, links, due_hours)?;
    facts.queue(conn, key, &customer, email)?;
    Ok(true)
}

/// The same note sent again: its receipt goes again to the address the note carries (not
/// to whoever sent the repeat), at most once an hour. True when it was queued.
pub fn resend_after_repeat(
    conn: &mut DbConn,
    links: Links<'_>,
    id: &NoteId,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    let last: Option<NaiveDateTime> = notes::table
        .find(id)
        .select(notes::receipt_resent_at)
        .first(conn)?;
    if last.is_some_and(|at| at > now - chrono::Duration::hours(1)) {
        return Ok(false);
    }
    let key = format!("receipt-again:{id}:{}", now.and_utc().timestamp());
    let queued = queue_receipt(conn, links, id, key, now)?;
    if queued {
        diesel::update(notes::table.find(id))
            .set(notes::receipt_resent_at.eq(now))
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
) -> StoreResult<(String, bool)> {
    write_tx(conn, |conn| {
        let id = find(conn, token_hash)?.ok_or(StoreError::NotFound)?.id;
        let now = super::now();
        let generation: i32 = notes::table
            .find(&id)
            .select(notes::receipt_generation)
            .first::<i32>(conn)?
            + 1;
        let token = super::intake::receipt_token(links.secret, &id, generation);
        diesel::update(notes::table.find(&id))
            .set((
                notes::receipt_generation.eq(generation),
                notes::receipt_token_hash.eq(super::hash_token(&token)),
                notes::updated_at.eq(now),
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
            "note.rotate_receipt",
            Some(id.as_str()),
            None,
            None,
        )?;
        Ok((token, emailed))
    })
}

/// Withdraws consent to publish: the story leaves the wall at once and never returns.
pub fn withdraw(conn: &mut DbConn, token_hash: &str) -> StoreResult<()> {
    write_tx(conn, |conn| {
        let Row {
            id,
            status,
            consent_publish,
            ..
        } = find(conn, token_hash)?.ok_or(StoreError::NotFound)?;
        if status == NoteStatus::Erased {
            return Err(StoreError::Gone);
        }
        if !consent_publish {
            return Err(StoreError::Conflict(
                "This note was never going to be published.".into(),
            ));
        }
        let now = super::now();
        diesel::update(notes::table.find(&id))
            .set((
                notes::consent_publish.eq(false),
                notes::status.eq(NoteStatus::Withdrawn),
                notes::updated_at.eq(now),
            ))
            .execute(conn)?;
        // A story a moderator declined or took down keeps that decision (consent, now gone,
        // keeps it off the wall either way): giving consent again cannot undo it.
        let live = [StoryStatus::Pending, StoryStatus::Published];
        diesel::update(
            stories::table
                .filter(stories::note_id.eq(&id))
                .filter(stories::status.eq_any(live)),
        )
        .set((
            stories::status.eq(StoryStatus::Withdrawn),
            stories::updated_at.eq(now),
        ))
        .execute(conn)?;
        super::audit::record(
            conn,
            &super::audit::Actor::System("customer"),
            "note.withdraw_consent",
            Some(id.as_str()),
            None,
            None,
        )?;
        Ok(())
    })
}

/// Gives consent to publish again, after withdrawing it: the story goes back to the
/// managers, who read it again before it returns to the wall. A story they had declined or
/// taken down stays so.
pub fn consent_again(conn: &mut DbConn, token_hash: &str) -> StoreResult<()> {
    write_tx(conn, |conn| {
        let Row {
            id, status, kind, ..
        } = find(conn, token_hash)?.ok_or(StoreError::NotFound)?;
        if status == NoteStatus::Erased {
            return Err(StoreError::Gone);
        }
        if kind != NoteKind::Thanks || status != NoteStatus::Withdrawn {
            return Err(StoreError::Conflict(
                "There is no withdrawn consent to give again.".into(),
            ));
        }
        let now = super::now();
        let story: Option<StoryStatus> = stories::table
            .filter(stories::note_id.eq(&id))
            .select(stories::status)
            .first(conn)
            .optional()?;
        // A moderator's decision stands; anything else goes back to them for review.
        let note_status = match story {
            Some(StoryStatus::Declined) => NoteStatus::Declined,
            Some(StoryStatus::Unpublished) => NoteStatus::Unpublished,
            _ => NoteStatus::AwaitingModeration,
        };
        diesel::update(notes::table.find(&id))
            .set((
                notes::consent_publish.eq(true),
                notes::status.eq(note_status),
                notes::updated_at.eq(now),
            ))
            .execute(conn)?;
        diesel::update(
            stories::table
                .filter(stories::note_id.eq(&id))
                .filter(stories::status.eq(StoryStatus::Withdrawn)),
        )
        .set((
            stories::status.eq(StoryStatus::Pending),
            stories::updated_at.eq(now),
        ))
        .execute(conn)?;
        super::audit::record(
            conn,
            &super::audit::Actor::System("customer"),
            "note.consent_again",
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
pub fn erase(conn: &mut DbConn, token_hash: &str) -> StoreResult<Vec<OutboxId>> {
    write_tx(conn, |conn| {
        let Row { id, status, .. } = find(conn, token_hash)?.ok_or(StoreError::NotFound)?;
        if status == NoteStatus::Erased {
            return Ok(Vec::new());
        }
        let scrubbed = erase_note(conn, &id)?;
        super::audit::record(
            conn,
            &super::audit::Actor::System("customer"),
            "note.erase",
            Some(id.as_str()),
            None,
            None,
        )?;
        Ok(scrubbed)
    })
}
