//! Stories: the curated public version of a thank-you note, and their tags.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{NoteId, StaffId, StoryId, TeamId};
use crate::db::schema::{notes, staff, stories, story_tags, teams};
use crate::domain::{Display, PersonName, StoryStatus};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = stories, treat_none_as_null = true)]
pub struct NewStory {
    pub id: StoryId,
    pub note_id: NoteId,
    pub rep_id: Option<StaffId>,
    pub team_id: Option<TeamId>,
    pub body: Option<String>,
    pub edited: bool,
    pub status: StoryStatus,
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
        .filter(stories::status.eq(StoryStatus::Published))
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
    /// The rep's photo hash (see `store::pictures`), when they may be named and have one.
    pub rep_photo: Option<String>,
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

/// What [`public_cards`] loads for one story (in its select order).
#[derive(Queryable)]
pub(crate) struct CardRow {
    id: StoryId,
    body: Option<String>,
    featured: bool,
    published_at: Option<NaiveDateTime>,
    customer_name: Option<String>,
    display: Display,
    rep_name: Option<String>,
    rep_handle: Option<String>,
    rep_public: Option<bool>,
    rep_photo: Option<String>,
    team: Option<String>,
    edited: bool,
}

pub(crate) fn card(row: CardRow) -> Option<StoryCard> {
    let person = row
        .customer_name
        .as_deref()
        .and_then(|n| PersonName::parse(n).ok());
    let public = row.rep_public == Some(true);
    let rep = match (row.rep_name, public, &row.team) {
        (Some(name), true, _) => name,
        (Some(_), _, Some(team)) => format!("a member of the {team} team"),
        _ => "a member of our team".into(),
    };
    let published_at = row.published_at?;
    Some(StoryCard {
        id: row.id,
        body: row.body?,
        customer: row.display.public_name(person.as_ref()),
        rep,
        rep_handle: row.rep_handle.filter(|_| public),
        rep_photo: row.rep_photo.filter(|_| public),
        team: row.team,
        featured: row.featured,
        edited: row.edited,
        published_label: published_at.format("%-d %B %Y").to_string(),
        published_iso: published_at
            .and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        published_at,
    })
}

/// Stories the public may see — published, consent standing, not erased — with what a
/// card needs, in one query (no query per story).
#[diesel::dsl::auto_type(no_type_alias)]
pub(crate) fn public_cards() -> _ {
    let published: StoryStatus = StoryStatus::Published;
    stories::table
        .inner_join(notes::table)
        .left_join(staff::table.on(stories::rep_id.eq(staff::id.nullable())))
        .left_join(teams::table.on(stories::team_id.eq(teams::id.nullable())))
        .filter(stories::status.eq(published))
        .filter(notes::consent_publish.eq(true))
        .filter(notes::erased_at.is_null())
        .select((
            stories::id,
            stories::body,
            stories::featured,
            stories::published_at,
            notes::customer_name,
            notes::display,
            staff::name.nullable(),
            staff::handle.nullable(),
            staff::public_naming.nullable(),
            staff::photo.nullable(),
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
