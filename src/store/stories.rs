//! Stories: the curated public version of a thank-you note, and their tags.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{FeedbackId, StaffId, StoryId, TeamId};
use crate::db::schema::{feedback, staff, stories, story_tags, teams};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = stories, treat_none_as_null = true)]
pub struct NewStory {
    pub id: StoryId,
    pub feedback_id: FeedbackId,
    pub rep_id: Option<StaffId>,
    pub team_id: Option<TeamId>,
    pub body: Option<String>,
    pub edited: bool,
    pub status: String,
    pub featured: bool,
    pub moderator_id: Option<StaffId>,
    pub published_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = story_tags)]
pub struct NewTag {
    pub story_id: StoryId,
    pub tag: String,
}

pub fn insert(conn: &mut DbConn, rows: &[NewStory]) -> QueryResult<usize> {
    crate::per_backend!(conn, c => diesel::insert_into(stories::table).values(rows).execute(c))
}

pub fn insert_tags(conn: &mut DbConn, rows: &[NewTag]) -> QueryResult<usize> {
    crate::per_backend!(conn, c => diesel::insert_into(story_tags::table).values(rows).execute(c))
}

pub fn count_published(conn: &mut DbConn) -> QueryResult<i64> {
    stories::table
        .filter(stories::status.eq("published"))
        .count()
        .get_result(conn)
}

/// A published story as the public sees it: the customer and the rep named as they chose.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoryCard {
    pub id: StoryId,
    pub body: String,
    pub customer: String,
    pub rep: String,
    pub rep_handle: Option<String>,
    pub team: Option<String>,
    pub featured: bool,
    /// A moderator changed more than a redaction: the story says "Edited by the moderator".
    pub edited: bool,
    pub published_at: NaiveDateTime,
    /// "22 November 2026"
    pub published_label: String,
    /// RFC 3339, for feeds and meta tags.
    pub published_iso: String,
}

pub(crate) type CardRow = (
    StoryId,
    Option<String>,
    bool,
    Option<NaiveDateTime>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<bool>,
    Option<String>,
    bool,
);

pub(crate) fn card(row: CardRow) -> Option<StoryCard> {
    use crate::domain::{Display, PersonName};
    let (id, body, featured, published_at, name, display, rep_name, handle, public, team, edited) =
        row;
    let person = name.as_deref().and_then(|n| PersonName::parse(n).ok());
    let display = Display::parse(&display).unwrap_or(Display::Anonymous);
    let rep = match (rep_name, public, &team) {
        (Some(name), Some(true), _) => name,
        (Some(_), _, Some(team)) => format!("a member of the {team} team"),
        _ => "a member of our team".into(),
    };
    Some(StoryCard {
        id,
        body: body?,
        customer: display.public_name(person.as_ref()),
        rep,
        rep_handle: handle.filter(|_| public == Some(true)),
        team,
        featured,
        edited,
        published_label: published_at?.format("%-d %B %Y").to_string(),
        published_iso: published_at?
            .and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        published_at: published_at?,
    })
}

/// Stories the public may see — published, consent standing, not erased — with what a
/// card needs, in one query (no query per story).
#[diesel::dsl::auto_type(no_type_alias)]
pub(crate) fn public_cards() -> _ {
    stories::table
        .inner_join(feedback::table)
        .left_join(staff::table.on(stories::rep_id.eq(staff::id.nullable())))
        .left_join(teams::table.on(stories::team_id.eq(teams::id.nullable())))
        .filter(stories::status.eq("published"))
        .filter(feedback::consent_publish.eq(true))
        .filter(feedback::erased_at.is_null())
        .select((
            stories::id,
            stories::body,
            stories::featured,
            stories::published_at,
            feedback::customer_name,
            feedback::display,
            staff::name.nullable(),
            staff::handle.nullable(),
            staff::public_naming.nullable(),
            teams::name.nullable(),
            stories::edited,
        ))
}

/// The newest published stories, for the start page.
pub fn recent_published(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<StoryCard>> {
    let rows: Vec<CardRow> = public_cards()
        .order((stories::published_at.desc(), stories::id.desc()))
        .limit(limit)
        .load(conn)?;
    Ok(rows.into_iter().filter_map(card).collect())
}
