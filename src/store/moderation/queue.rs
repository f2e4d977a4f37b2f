//! What moderators see: the thank-you notes waiting for a decision, and one story with
//! the note it came from, its tags and the names around it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{NoteId, StaffId, StoryId, TeamId};
use crate::db::schema::{notes, staff, stories, story_tags, teams};
use crate::domain::{Display, PersonName, StoryStatus};
use crate::store::inbox::Scope;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Moderation {
    pub id: String,
    /// The note the story came from (digests that quote it are linked to it).
    #[serde(skip)]
    pub note_id: NoteId,
    pub status: StoryStatus,
    /// The status as staff pages name it.
    pub status_label: &'static str,
    pub original: Option<String>,
    pub body: Option<String>,
    /// The wall's words differ from the customer's (redacted or edited).
    pub changed: bool,
    /// Changed by more than redaction: the public story says "Edited by the moderator".
    pub edited: bool,
    pub featured: bool,
    pub tags: Vec<String>,
    pub customer: String,
    pub public_name: String,
    pub rep: Option<String>,
    pub team: Option<String>,
    pub received: String,
    pub decline_reason: Option<String>,
}

/// A story with the note it came from (in `load`'s select order).
#[derive(Queryable)]
pub(super) struct Row {
    pub(super) id: StoryId,
    pub(super) note_id: NoteId,
    pub(super) status: StoryStatus,
    pub(super) team_id: Option<TeamId>,
    pub(super) rep_id: Option<StaffId>,
    pub(super) original: Option<String>,
    pub(super) body: Option<String>,
    pub(super) edited: bool,
    pub(super) featured: bool,
    pub(super) customer_name: Option<String>,
    pub(super) customer_email: Option<String>,
    pub(super) display: Display,
    pub(super) consent: bool,
    pub(super) created: NaiveDateTime,
    pub(super) decline_reason: Option<String>,
    pub(super) published_at: Option<NaiveDateTime>,
}

pub(super) fn load(
    conn: &mut DbConn,
    scope: &Scope,
    only: Option<&StoryId>,
) -> QueryResult<Vec<Row>> {
    let mut query = stories::table
        .inner_join(notes::table)
        .filter(notes::erased_at.is_null())
        .select((
            stories::id,
            stories::note_id,
            stories::status,
            stories::team_id,
            stories::rep_id,
            notes::body,
            stories::body,
            stories::edited,
            stories::featured,
            notes::customer_name,
            notes::customer_email,
            notes::display,
            notes::consent_publish,
            stories::created_at,
            stories::decline_reason,
            stories::published_at,
        ))
        .order(stories::created_at.asc())
        .into_boxed();
    query = match only {
        Some(id) => query.filter(stories::id.eq(id.clone())),
        None => query
            .filter(stories::status.eq(StoryStatus::Pending))
            .limit(200),
    };
    query = match scope {
        Scope::All => query,
        Scope::Teams(_, teams) => query.filter(stories::team_id.eq_any(teams.clone())),
        Scope::Own(..) => query.filter(stories::id.eq("")),
    };
    query.load(conn)
}

/// The story's rep and team, by name.
fn names(conn: &mut DbConn, row: &Row) -> QueryResult<(Option<String>, Option<String>)> {
    let rep = match &row.rep_id {
        Some(id) => staff::table
            .find(id)
            .select(staff::name)
            .first(conn)
            .optional()?,
        None => None,
    };
    let team = match &row.team_id {
        Some(id) => teams::table
            .find(id)
            .select(teams::name)
            .first(conn)
            .optional()?,
        None => None,
    };
    Ok((rep, team))
}

fn view(conn: &mut DbConn, row: &Row) -> QueryResult<Moderation> {
    let (rep, team) = names(conn, row)?;
    let tags: Vec<String> = story_tags::table
        .filter(story_tags::story_id.eq(&row.id))
        .order(story_tags::tag.asc())
        .select(story_tags::tag)
        .load(conn)?;
    let person = row
        .customer_name
        .as_deref()
        .and_then(|n| PersonName::parse(n).ok());
    let status = if row.consent {
        row.status
    } else {
        StoryStatus::Withdrawn
    };
    Ok(Moderation {
        id: row.id.to_string(),
        note_id: row.note_id.clone(),
        status,
        status_label: status.label(),
        original: row.original.clone(),
        body: row.body.clone(),
        changed: row.body.is_some() && row.body != row.original,
        edited: row.edited,
        featured: row.featured,
        tags,
        customer: row
            .customer_name
            .clone()
            .unwrap_or_else(|| "A customer".into()),
        public_name: row.display.public_name(person.as_ref()),
        rep,
        team,
        received: row.created.format("%-d %b %Y").to_string(),
        decline_reason: row.decline_reason.clone(),
    })
}

/// Thank-you notes waiting for a decision, oldest first (complaints never get here).
pub fn queue(conn: &mut DbConn, scope: &Scope) -> QueryResult<Vec<Moderation>> {
    let rows = load(conn, scope, None)?;
    rows.iter()
        .filter(|r| r.consent)
        .map(|r| view(conn, r))
        .collect()
}

pub fn detail(conn: &mut DbConn, scope: &Scope, id: &StoryId) -> QueryResult<Option<Moderation>> {
    let rows = load(conn, scope, Some(id))?;
    rows.first().map(|r| view(conn, r)).transpose()
}
