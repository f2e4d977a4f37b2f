//! Stories: the curated public version of a thank-you note, and their tags.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{FeedbackId, StaffId, StoryId, TeamId};
use crate::db::schema::{stories, story_tags};

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
