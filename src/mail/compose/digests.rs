//! The managers' digests: the daily list of thank-you notes waiting for moderation, and the
//! weekly recognition summary.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::{ComposeResult, compose, day};
use crate::store::moderation::Moderation;

/// How many waiting notes the moderation digest quotes (the rest are counted).
pub const DIGEST_ITEMS: usize = 10;

#[derive(Serialize)]
struct Waiting<'a> {
    rep: &'a str,
    customer: &'a str,
    received: &'a str,
    excerpt: String,
    /// The story's review page.
    url: String,
}

#[derive(Serialize)]
struct ModerationDigest<'a> {
    base_url: &'a str,
    recipient_name: &'a str,
    count: usize,
    more: usize,
    items: Vec<Waiting<'a>>,
    queue_url: String,
}

/// What a manager's teams did in a week, as the weekly digest tells it.
pub struct Week {
    /// The end of the week (the digest's "in the week to").
    pub end: NaiveDateTime,
    pub thanks: i64,
    pub complaints: i64,
    pub published: i64,
    pub teams: Vec<String>,
    /// Each person thanked, with how many times, by name.
    pub people: Vec<(String, i64)>,
    /// The newest thank-you notes' words, each with the rep it thanked (if any).
    pub quotes: Vec<(Option<String>, Option<String>)>,
}

#[derive(Serialize)]
struct Thanked<'a> {
    name: &'a str,
    count: i64,
}

#[derive(Serialize)]
struct Quote<'a> {
    body: String,
    rep: &'a str,
}

#[derive(Serialize)]
struct WeeklyDigest<'a> {
    base_url: &'a str,
    recipient_name: &'a str,
    week_end: String,
    thanks: i64,
    complaints: i64,
    published: i64,
    teams: String,
    people: Vec<Thanked<'a>>,
    quotes: Vec<Quote<'a>>,
    inbox_url: String,
}

/// To a manager: the thank-you notes waiting in their teams (the first [`DIGEST_ITEMS`]).
pub fn moderation_digest(base_url: &str, recipient: &str, waiting: &[Moderation]) -> ComposeResult {
    let items: Vec<Waiting<'_>> = waiting
        .iter()
        .take(DIGEST_ITEMS)
        .map(|m| Waiting {
            rep: m.rep.as_deref().or(m.team.as_deref()).unwrap_or_default(),
            customer: &m.customer,
            received: &m.received,
            excerpt: excerpt(m.original.as_deref().unwrap_or("")),
            url: format!("{base_url}/staff/stories/{}", m.id),
        })
        .collect();
    let context = ModerationDigest {
        base_url,
        recipient_name: recipient,
        count: waiting.len(),
        more: waiting.len() - items.len(),
        items,
        queue_url: format!("{base_url}/staff/queue"),
    };
    compose("moderation_digest", &context)
}

/// To a manager: their teams' week.
pub fn weekly_digest(base_url: &str, recipient: &str, week: &Week) -> ComposeResult {
    let context = WeeklyDigest {
        base_url,
        recipient_name: recipient,
        week_end: day(week.end.date()),
        thanks: week.thanks,
        complaints: week.complaints,
        published: week.published,
        teams: week.teams.join(", "),
        people: week
            .people
            .iter()
            .map(|(name, count)| Thanked {
                name,
                count: *count,
            })
            .collect(),
        quotes: week
            .quotes
            .iter()
            .map(|(body, rep)| Quote {
                body: excerpt(body.as_deref().unwrap_or("")),
                rep: rep.as_deref().unwrap_or("the team"),
            })
            .collect(),
        inbox_url: format!("{base_url}/staff?kind=thanks"),
    };
    compose("weekly_digest", &context)
}

/// The first 140 characters of a note, on one line.
fn excerpt(text: &str) -> String {
    let mut short: String = text.chars().take(140).collect();
    if text.chars().count() > 140 {
        short.push('…');
    }
    short.replace(['\r', '\n'], " ")
}
