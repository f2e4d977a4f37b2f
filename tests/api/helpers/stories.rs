//! Stories as moderators meet them: which story a note became, and the moderation buttons
//! (`publish`, `decline`, `unpublish`) pressed as a signed-in manager.

use diesel::prelude::*;
use heard::db::schema::{notes, stories};

use super::TestApp;
use super::staff::staff_post;

/// The id of the story made from the note with these words.
pub fn story_id(app: &TestApp, words: &str) -> String {
    stories::table
        .inner_join(notes::table)
        .filter(notes::body.eq(words))
        .select(stories::id)
        .first::<heard::db::ids::StoryId>(&mut app.conn())
        .expect("a story made from those words")
        .to_string()
}

/// Presses a moderation button (`publish`, `decline`, `unpublish`) on a story, as `client`.
pub async fn moderate(
    app: &TestApp,
    client: &reqwest::Client,
    story: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    staff_post(
        app,
        client,
        &format!("/staff/stories/{story}/{action}"),
        fields,
    )
    .await
}
