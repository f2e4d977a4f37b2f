//! A rep's recognition portfolio: everything customers said to thank them — the stories on
//! the wall, named as the customers chose, and the private thank-yous, unnamed — for a
//! performance review.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::staff::Staff;
use super::stories::{CardRow, StoryCard, card, public_cards};
use crate::db::DbConn;
use crate::db::schema::{feedback, stories, teams};

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
    let stories: Vec<StoryCard> = rows.into_iter().filter_map(card).collect();
    // The other thank-yous: not on the wall (private, declined or waiting), not erased.
    let published: Vec<crate::db::ids::FeedbackId> = stories::table
        .filter(stories::rep_id.eq(rep.id.clone()))
        .filter(stories::status.eq("published"))
        .select(stories::feedback_id)
        .load(conn)?;
    let private: Vec<(Option<String>, NaiveDateTime)> = feedback::table
        .filter(feedback::rep_id.eq(rep.id.clone()))
        .filter(feedback::kind.eq("thanks"))
        .filter(feedback::body.is_not_null())
        .filter(feedback::id.ne_all(published))
        .order(feedback::created_at.desc())
        .limit(500)
        .select((feedback::body, feedback::created_at))
        .load(conn)?;
    let first: Option<NaiveDateTime> = feedback::table
        .filter(feedback::rep_id.eq(rep.id.clone()))
        .filter(feedback::kind.eq("thanks"))
        .select(diesel::dsl::min(feedback::created_at))
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
        stories,
        words: private
            .into_iter()
            .filter_map(|(body, at)| {
                Some(PrivateWords {
                    body: body?,
                    received: at.format("%-d %B %Y").to_string(),
                })
            })
            .collect(),
        first: first.map(|t| t.format("%B %Y").to_string()),
        generated: super::now().format("%-d %B %Y").to_string(),
    })
}
