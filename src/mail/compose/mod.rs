//! Composing emails: each email has a typed context (the values its templates use) and one
//! function that fills it from what the store knows and renders it. The store calls these
//! and writes the result to the outbox; it never sees a template.

mod accounts;
mod cases;
mod digests;
mod new_note;
mod note;
mod stories;

pub use accounts::{invitation, password_reset};
pub use cases::{
    case_acknowledged, case_assigned, case_escalated, case_resolved, complaint_to_rep_acknowledged,
    reply_to_customer,
};
pub use digests::{DIGEST_ITEMS, Week, moderation_digest, weekly_digest};
pub use new_note::{Due, new_note, receipt};
pub use stories::{story_declined, story_published_customer, story_published_rep};

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::render::{self, Rendered};
use crate::config::Secret;

/// Where links in emails point, and the key receipt links are derived with.
#[derive(Clone, Copy)]
pub struct Links<'a> {
    pub secret: &'a Secret,
    pub base_url: &'a str,
}

/// One email, ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    /// Which email it is: its folder under `templates/email/`, and the outbox's `template`.
    pub name: &'static str,
    pub rendered: Rendered,
}

/// A template that failed to render (a bug, never the sender's fault).
#[derive(Debug, thiserror::Error)]
#[error("cannot compose the {name} email: {source}")]
pub struct ComposeError {
    name: &'static str,
    #[source]
    source: tera::Error,
}

pub type ComposeResult = Result<Composed, ComposeError>;

impl From<ComposeError> for crate::store::StoreError {
    fn from(err: ComposeError) -> Self {
        Self::internal(err)
    }
}

/// Renders the email `name` with its context.
fn compose(name: &'static str, context: &impl Serialize) -> ComposeResult {
    let fail = |source| ComposeError { name, source };
    let context = tera::Context::from_serialize(context).map_err(fail)?;
    let rendered = render::render(name, &context).map_err(fail)?;
    Ok(Composed { name, rendered })
}

/// A day as emails write it: "20 November 2026".
fn day(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// A moment as emails write it (UTC, said beside it): "20 November 2026, 14:05".
fn minute(at: NaiveDateTime) -> String {
    at.format("%-d %B %Y, %H:%M").to_string()
}
