//! What the wall is asked for, by its pages and by the stories API alike: the filters and
//! cursor of [`WallQuery`], the page they select, the link to the next page, and one story.

use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::app::AppState;
use crate::db::ids::StoryId;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::store::wall::{self, Cursor, StoryState, WallFilter, WallStory};
use crate::store::{staff, teams};

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WallQuery {
    /// A team's slug.
    #[serde(default)]
    pub team: String,
    /// A tag, like `patience`.
    #[serde(default)]
    pub tag: String,
    /// A rep's handle (only reps who agreed to be named).
    #[serde(default)]
    pub rep: String,
    /// The `next` cursor of the previous page.
    #[serde(default)]
    #[param(
        pattern = r"^(-?[0-9]{1,16}\.[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$"
    )]
    pub after: String,
    /// Stories per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// A tag as it may appear in a URL: lower-case letters, digits and hyphens.
pub fn valid_tag(tag: &str) -> bool {
    (1..=40).contains(&tag.len())
        && tag
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The filter a query asks for; `None` when it names a team, rep or tag that cannot match.
fn resolve(c: &mut DbConn, q: &WallQuery, limit: i64) -> Result<Option<WallFilter>, AppError> {
    let mut filter = WallFilter {
        limit,
        ..WallFilter::default()
    };
    // A broken cursor is the client's mistake whatever else the query says.
    if !q.after.is_empty() {
        filter.after = Some(
            Cursor::parse(&q.after)
                .ok_or_else(|| AppError::BadRequest("That page link is not valid.".into()))?,
        );
    }
    if !q.team.is_empty() {
        let Some(team) = teams::list_active(c)?
            .into_iter()
            .find(|t| t.slug == q.team)
        else {
            return Ok(None);
        };
        filter.team = Some(team.id);
    }
    if !q.rep.is_empty() {
        // Only people who agreed to be named can be looked up by name.
        let Some(rep) =
            staff::find_by_handle(c, &q.rep.to_lowercase())?.filter(|s| s.public_naming)
        else {
            return Ok(None);
        };
        filter.rep = Some(rep.id);
    }
    if !q.tag.is_empty() {
        if !valid_tag(&q.tag) {
            return Ok(None);
        }
        filter.tag = Some(q.tag.clone());
    }
    Ok(Some(filter))
}

/// A page of the wall for a query: empty when it names a team, rep or tag that cannot match.
pub fn page_for(
    c: &mut DbConn,
    q: &WallQuery,
    limit: i64,
) -> Result<(Vec<WallStory>, Option<Cursor>), AppError> {
    Ok(match resolve(c, q, limit)? {
        Some(filter) => wall::page(c, &filter)?,
        None => (Vec::new(), None),
    })
}

/// [`page_for`] with the featured stories pinned on top of the first page (the wall pages).
pub fn pinned_page_for(
    c: &mut DbConn,
    q: &WallQuery,
    limit: i64,
) -> Result<(Vec<WallStory>, Option<Cursor>), AppError> {
    Ok(match resolve(c, q, limit)? {
        Some(filter) => wall::pinned_page(c, &filter)?,
        None => (Vec::new(), None),
    })
}

/// The query string of the page after this one: the same filters, the next cursor.
#[derive(Serialize)]
struct NextPage<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    team: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    tag: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    rep: &'a str,
    after: String,
}

/// The link to the next page of `base` for this query, if there is one.
pub fn next_link(base: &str, q: &WallQuery, next: Option<Cursor>) -> Option<String> {
    let page = NextPage {
        team: &q.team,
        tag: &q.tag,
        rep: &q.rep,
        after: next?.encode(),
    };
    Some(crate::web::with_query(base, &page))
}

/// One published story; 404 for no such story, 410 for one no longer public.
pub async fn load_story(state: &AppState, id: StoryId) -> Result<WallStory, AppError> {
    match db::run(&state.pool, move |c| Ok(wall::story(c, &id)?)).await? {
        StoryState::Public(story) => Ok(*story),
        StoryState::Gone => Err(AppError::Gone),
        StoryState::Missing => Err(AppError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_link_keeps_the_filters_encoded() {
        let cursor = Cursor {
            published_at: chrono::DateTime::from_timestamp_micros(1_795_000_000_123_456)
                .unwrap()
                .naive_utc(),
            id: StoryId::new(),
        };
        let q = WallQuery {
            team: "a&b c".into(),
            rep: "maria".into(),
            after: "ignored".into(),
            ..WallQuery::default()
        };
        assert_eq!(
            next_link("/wall", &q, Some(cursor.clone())).as_deref(),
            Some(format!("/wall?team=a%26b+c&rep=maria&after={}", cursor.encode()).as_str())
        );
        let unfiltered = next_link("/wall/maria", &WallQuery::default(), Some(cursor.clone()));
        assert_eq!(
            unfiltered,
            Some(format!("/wall/maria?after={}", cursor.encode()))
        );
        assert_eq!(next_link("/wall", &q, None), None);
    }
}
