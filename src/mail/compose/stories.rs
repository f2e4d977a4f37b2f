//! The emails about a thank-you's story: published (to the customer and to the rep) and
//! declined (to the customer, with the moderator's reason).

use serde::Serialize;

use super::note::{NoteView, ToCustomer};
use super::{ComposeResult, Links, compose};
use crate::db::ids::StoryId;
use crate::store::note_facts::NoteFacts;

#[derive(Serialize)]
struct PublishedCustomer<'a> {
    #[serde(flatten)]
    customer: ToCustomer<'a>,
    rep_public: &'a str,
    public_name: &'a str,
    story_url: String,
}

#[derive(Serialize)]
struct PublishedRep<'a> {
    base_url: &'a str,
    rep_name: Option<&'a str>,
    public_name: &'a str,
    rep_named: bool,
    rep_public: &'a str,
    story_url: String,
}

#[derive(Serialize)]
struct Declined<'a> {
    #[serde(flatten)]
    customer: ToCustomer<'a>,
    rep_public: &'a str,
    reason: &'a str,
}

fn story_url(links: Links<'_>, story: &StoryId) -> String {
    format!("{}/stories/{story}", links.base_url)
}

/// To the customer: their words are on the wall.
pub fn story_published_customer(
    facts: &NoteFacts,
    links: Links<'_>,
    story: &StoryId,
) -> ComposeResult {
    let v = NoteView::new(facts, links);
    let context = PublishedCustomer {
        customer: v.to_customer(),
        rep_public: &v.rep_public,
        public_name: &v.public_name,
        story_url: story_url(links, story),
    };
    compose("story_published_customer", &context)
}

/// To the rep: their customer's words are on the wall.
pub fn story_published_rep(facts: &NoteFacts, links: Links<'_>, story: &StoryId) -> ComposeResult {
    let v = NoteView::new(facts, links);
    let context = PublishedRep {
        base_url: v.base_url,
        rep_name: v.rep_name,
        public_name: &v.public_name,
        rep_named: v.rep_named,
        rep_public: &v.rep_public,
        story_url: story_url(links, story),
    };
    compose("story_published_rep", &context)
}

/// To the customer: their thank-you will not be on the wall, and why.
pub fn story_declined(facts: &NoteFacts, links: Links<'_>, reason: &str) -> ComposeResult {
    let v = NoteView::new(facts, links);
    let context = Declined {
        customer: v.to_customer(),
        rep_public: &v.rep_public,
        reason,
    };
    compose("story_declined", &context)
}
