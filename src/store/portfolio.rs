//! A rep's recognition portfolio: everything customers said to thank them — the stories on
//! the wall, named as the customers chose, and the private thank-yous, unnamed — for a
//! performance review.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::staff::Staff;
use super::stories::{CardRow, StoryCard, card, public_cards};
use crate::db::DbConn;
use crate::db::ids::NoteId;
use crate::db::schema::{notes, stories, teams};
use crate::domain::{NoteKind, StoryStatus};

#[derive(Debug, Clone, serde::Serialize)]
pub struct PrivateWords {
    pub body: String,
    pub received: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Portfolio {
    pub name: String,
    pub team: Option<String>,
    pub handle: String,
    pub thanks_received: i64,
    pub stories: Vec<StoryCard>,
    pub words: Vec<PrivateWords>,
    pub first: Option<String>,
    pub generated: String,
}

pub fn of(conn: &mut DbConn, rep: &Staff) -> QueryResult<Portfolio> {
    let rows: Vec<CardRow> = public_cards()
        .filter(stories::rep_id.eq(rep.id.clone()))
        .order((stories::published_at.desc(), stories::id.desc()))
        .limit(500)
        .load(conn)?;
    let first: Option<NaiveDateTime> = notes::table
        .filter(notes::rep_id.eq(rep.id.clone()))
        .filter(notes::kind.eq(NoteKind::Thanks))
        .select(diesel::dsl::min(notes::created_at))
        .first(conn)?;
    let team = match &rep.team_id {
        Some(t) => teams::table
            .find(t)
            .select(teams::name)
            .first(conn)
            .optional()?,
        None => None,
    };
    Ok(Portfolio {
        name: rep.name.clone(),
        team,
        handle: rep.handle.clone(),
        thanks_received: i64::from(rep.thanks_received),
        stories: rows.into_iter().filter_map(card).collect(),
        words: private_words(conn, rep)?,
        first: first.map(|t| t.format("%B %Y").to_string()),
        generated: super::now().format("%-d %B %Y").to_string(),
    })
}

/// The other thank-yous: not on the wall (private, declined or waiting), not erased.
fn private_words(conn: &mut DbConn, rep: &Staff) -> QueryResult<Vec<PrivateWords>> {
    let published: Vec<NoteId> = stories::table
        .filter(stories::rep_id.eq(rep.id.clone()))
        .filter(stories::status.eq(StoryStatus::Published))
        .select(stories::note_id)
        .load(conn)?;
    let private: Vec<(String, NaiveDateTime)> = notes::table
        .filter(notes::rep_id.eq(rep.id.clone()))
        .filter(notes::kind.eq(NoteKind::Thanks))
        .filter(notes::body.is_not_null())
        .filter(notes::id.ne_all(published))
        .order(notes::created_at.desc())
        .limit(500)
        .select((notes::body.assume_not_null(), notes::created_at))
        .load(conn)?;
    Ok(private
        .into_iter()
        .map(|(body, at)| PrivateWords {
            body,
            received: at.format("%-d %B %Y").to_string(),
        })
        .collect())
}
