//! Moderation: managers (their teams) and admins turn consented thank-you notes into public
//! stories — publish as written or edited, tag, feature, decline kindly, unpublish. Every
//! action is one transaction with its audit entry and its emails.

use diesel::prelude::*;

mod queue;

pub use queue::{Moderation, detail, queue};

use super::inbox::Scope;
use super::note_facts::{Links, NoteFacts};
use super::responsible::contact;
use super::{StoreError, StoreResult};
use crate::db::DbConn;
use crate::db::ids::{StaffId, StoryId};
use crate::db::schema::{notes, stories, story_tags};
use crate::domain::redaction::is_redaction_only;
use crate::domain::story::{StoryAction, transition};
use crate::domain::{NoteStatus, StoryStatus};
use crate::mail::compose;
use queue::{Row, load};

/// What an email about a story needs: where links point, and the receipt links' key.
pub type MailContext<'a> = Links<'a>;

/// Tells the customer (if they left an address) and the rep that the story is on the wall.
fn queue_published(conn: &mut DbConn, row: &Row, ctx: &MailContext<'_>) -> StoreResult<()> {
    let facts = NoteFacts::load(conn, &row.note_id)?.ok_or(StoreError::NotFound)?;
    let story = &row.id;
    if let Some(customer) = facts.customer() {
        let email = compose::story_published_customer(&facts, *ctx, story)?;
        let key = format!("story:{story}:published:customer");
        facts.queue(conn, key, &customer, email)?;
    }
    if let Some(rep) = &facts.rep {
        let email = compose::story_published_rep(&facts, *ctx, story)?;
        let key = format!("story:{story}:published:rep");
        facts.queue(conn, key, &contact(rep), email)?;
    }
    Ok(())
}

/// Tells the customer that the story will not be published, and why.
fn queue_declined(
    conn: &mut DbConn,
    row: &Row,
    reason: &str,
    ctx: &MailContext<'_>,
) -> StoreResult<()> {
    let facts = NoteFacts::load(conn, &row.note_id)?.ok_or(StoreError::NotFound)?;
    if let Some(customer) = facts.customer() {
        let email = compose::story_declined(&facts, *ctx, reason)?;
        let key = format!("story:{}:declined", row.id);
        facts.queue(conn, key, &customer, email)?;
    }
    Ok(())
}

fn one(conn: &mut DbConn, scope: &Scope, id: &StoryId) -> StoreResult<Row> {
    let row = load(conn, scope, Some(id))?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound)?;
    if !row.consent {
        return Err(StoreError::Conflict(
            "The customer withdrew their consent; this story can no longer be published.".into(),
        ));
    }
    Ok(row)
}

/// What publishing changed, so the moderator can be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    /// The story went on the wall (for the first time, or again).
    OnTheWall,
    /// It was on the wall already and now is (or no longer is) featured.
    Featured(bool),
    /// It was on the wall already; its words or tags were saved.
    Changed,
}

/// What a moderator publishes: the words (as written or redacted), tags, and whether featured.
pub struct Publication {
    pub body: String,
    pub tags: Vec<String>,
    pub featured: bool,
}

/// Publishes (or re-publishes with changes) a story. The customer's original words stay on
/// the note; a body changed by more than redaction (see `domain::redaction`) is marked as
/// edited, and the public story says so. First publication emails customer and rep.
pub fn publish(
    conn: &mut DbConn,
    scope: &Scope,
    moderator: &StaffId,
    id: &StoryId,
    publication: &Publication,
    ctx: &MailContext<'_>,
) -> StoreResult<Published> {
    let (body, tags, featured) = (&publication.body, &publication.tags, publication.featured);
    let row = one(conn, scope, id)?;
    let next =
        transition(row.status, StoryAction::Publish).map_err(|e| StoreError::Conflict(e.0))?;
    let body =
        crate::domain::NoteBody::parse(body).map_err(|e| StoreError::invalid("body", e.0))?;
    if featured && !row.featured {
        let pinned: i64 = stories::table
            .filter(stories::featured.eq(true))
            .filter(stories::status.eq(StoryStatus::Published))
            .count()
            .get_result(conn)?;
        if pinned >= super::wall::PINNED {
            return Err(StoreError::invalid(
                "featured",
                format!(
                    "At most {} stories can be featured at once (they all stay on top of the \
                     wall); stop featuring one first.",
                    super::wall::PINNED
                ),
            ));
        }
    }
    let now = super::now();
    let first_time = row.published_at.is_none();
    diesel::update(stories::table.find(id))
        .set((
            stories::status.eq(next),
            stories::body.eq(body.as_str()),
            stories::edited.eq(!row
                .original
                .as_deref()
                .is_some_and(|o| is_redaction_only(o, body.as_str()))),
            stories::featured.eq(featured),
            stories::moderator_id.eq(moderator),
            stories::published_at.eq(row.published_at.unwrap_or(now)),
            stories::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(notes::table.find(&row.note_id))
        .set((
            notes::status.eq(NoteStatus::Published),
            notes::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::delete(story_tags::table.filter(story_tags::story_id.eq(id))).execute(conn)?;
    for tag in tags {
        diesel::insert_into(story_tags::table)
            .values((story_tags::story_id.eq(id), story_tags::tag.eq(tag)))
            .execute(conn)?;
    }
    if first_time {
        queue_published(conn, &row, ctx)?;
    }
    Ok(if row.status != StoryStatus::Published {
        Published::OnTheWall
    } else if row.featured == featured {
        Published::Changed
    } else {
        Published::Featured(featured)
    })
}

/// Declines a story; the customer (if they gave an email) is told kindly, with the reason.
pub fn decline(
    conn: &mut DbConn,
    scope: &Scope,
    moderator: &StaffId,
    id: &StoryId,
    reason: &str,
    ctx: &MailContext<'_>,
) -> StoreResult<()> {
    let row = one(conn, scope, id)?;
    let next =
        transition(row.status, StoryAction::Decline).map_err(|e| StoreError::Conflict(e.0))?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(StoreError::invalid(
            "reason",
            "Give the customer a short reason (up to 500 characters).",
        ));
    }
    if reason.chars().any(|c| c.is_control() && c != '\n') {
        return Err(StoreError::invalid(
            "reason",
            "The reason cannot contain control characters.",
        ));
    }
    let now = super::now();
    diesel::update(stories::table.find(id))
        .set((
            stories::status.eq(next),
            stories::decline_reason.eq(reason),
            stories::moderator_id.eq(moderator),
            stories::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(notes::table.find(&row.note_id))
        .set((
            notes::status.eq(NoteStatus::Declined),
            notes::updated_at.eq(now),
        ))
        .execute(conn)?;
    if row.customer_email.is_some() {
        queue_declined(conn, &row, reason, ctx)?;
    }
    Ok(())
}

pub fn unpublish(
    conn: &mut DbConn,
    scope: &Scope,
    moderator: &StaffId,
    id: &StoryId,
) -> StoreResult<()> {
    let row = one(conn, scope, id)?;
    let next =
        transition(row.status, StoryAction::Unpublish).map_err(|e| StoreError::Conflict(e.0))?;
    let now = super::now();
    diesel::update(stories::table.find(id))
        .set((
            stories::status.eq(next),
            stories::moderator_id.eq(moderator),
            stories::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(notes::table.find(&row.note_id))
        .set((
            notes::status.eq(NoteStatus::Unpublished),
            notes::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
