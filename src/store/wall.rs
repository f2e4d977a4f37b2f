//! The public wall: published stories whose customers' consent stands, newest first, with
//! keyset pagination and filters. Each page costs the same number of queries, whatever the
//! number of stories (one for the page, one for its tags).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::stories::{CardRow, StoryCard, card};
use crate::db::DbConn;
use crate::db::ids::{StaffId, StoryId, TeamId};
use crate::db::schema::{stories, story_tags, wall_version};

pub const PAGE: i64 = 20;

/// Where a page starts: strictly older than this story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub published_at: NaiveDateTime,
    pub id: StoryId,
}

impl Cursor {
    /// `<microseconds since 1970>.<story id>`
    pub fn encode(&self) -> String {
        format!(
            "{}.{}",
            self.published_at.and_utc().timestamp_micros(),
            self.id
        )
    }

    pub fn parse(text: &str) -> Option<Self> {
        let (micros, id) = text.split_once('.')?;
        let published_at =
            chrono::DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
        Some(Self {
            published_at,
            id: StoryId::parse(id)?,
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct WallFilter {
    pub team: Option<TeamId>,
    pub rep: Option<StaffId>,
    pub tag: Option<String>,
    pub after: Option<Cursor>,
    pub limit: i64,
    /// Only featured stories (`Some(true)`) or only the others (`Some(false)`).
    pub featured: Option<bool>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct WallStory {
    #[serde(flatten)]
    pub card: StoryCard,
    pub tags: Vec<String>,
}

/// One page of the wall and the cursor of the next, if there is more.
pub fn page(
    conn: &mut DbConn,
    filter: &WallFilter,
) -> QueryResult<(Vec<WallStory>, Option<Cursor>)> {
    let limit = filter.limit.clamp(1, 100);
    let mut query = super::stories::public_cards()
        .order((stories::published_at.desc(), stories::id.desc()))
        .limit(limit + 1)
        .into_boxed();
    if let Some(team) = &filter.team {
        query = query.filter(stories::team_id.eq(team.clone()));
    }
    if let Some(rep) = &filter.rep {
        query = query.filter(stories::rep_id.eq(rep.clone()));
    }
    if let Some(featured) = filter.featured {
        query = query.filter(stories::featured.eq(featured));
    }
    if let Some(tag) = &filter.tag {
        let tagged = story_tags::table
            .filter(story_tags::tag.eq(tag.clone()))
            .filter(story_tags::story_id.eq(stories::id))
            .select(story_tags::story_id);
        query = query.filter(diesel::dsl::exists(tagged));
    }
    if let Some(after) = &filter.after {
        query = query.filter(
            stories::published_at
                .lt(after.published_at)
                .or(stories::published_at
                    .eq(after.published_at)
                    .and(stories::id.lt(after.id.clone()))),
        );
    }
    let rows: Vec<CardRow> = query.load(conn)?;
    let mut cards: Vec<StoryCard> = rows.into_iter().filter_map(card).collect();
    let next = if cards.len() as i64 > limit {
        cards.truncate(limit as usize);
        cards.last().map(|c| Cursor {
            published_at: c.published_at,
            id: c.id.clone(),
        })
    } else {
        None
    };
    Ok((with_tags(conn, cards)?, next))
}

/// How many featured stories the wall pins, at most.
pub const PINNED: i64 = 100;

/// The wall as people read it: the featured stories pinned at the top of the first page
/// (newest first), then the others, newest first. The cursor pages through the others
/// only, so no story is shown twice or skipped. (The JSON API keeps plain newest first.)
pub fn pinned_page(
    conn: &mut DbConn,
    filter: &WallFilter,
) -> QueryResult<(Vec<WallStory>, Option<Cursor>)> {
    let others = WallFilter {
        featured: Some(false),
        ..filter.clone()
    };
    let (stories, next) = page(conn, &others)?;
    if filter.after.is_some() {
        return Ok((stories, next));
    }
    let featured = WallFilter {
        featured: Some(true),
        limit: PINNED,
        ..filter.clone()
    };
    let (mut pinned, _) = page(conn, &featured)?;
    pinned.extend(stories);
    Ok((pinned, next))
}

/// Attaches every story's tags with one query.
fn with_tags(conn: &mut DbConn, cards: Vec<StoryCard>) -> QueryResult<Vec<WallStory>> {
    let ids: Vec<StoryId> = cards.iter().map(|c| c.id.clone()).collect();
    let tags: Vec<(StoryId, String)> = story_tags::table
        .filter(story_tags::story_id.eq_any(&ids))
        .order(story_tags::tag.asc())
        .load(conn)?;
    Ok(cards
        .into_iter()
        .map(|card| {
            let tags = tags
                .iter()
                .filter(|(id, _)| *id == card.id)
                .map(|(_, t)| t.clone())
                .collect();
            WallStory { card, tags }
        })
        .collect())
}

/// What became of a story that is not (or no longer) public.
#[derive(Debug, Clone)]
pub enum StoryState {
    Public(Box<WallStory>),
    /// Withdrawn, erased, unpublished or declined: it was, and is no longer.
    Gone,
    Missing,
}

pub fn story(conn: &mut DbConn, id: &StoryId) -> QueryResult<StoryState> {
    let row: Option<CardRow> = super::stories::public_cards()
        .filter(stories::id.eq(id))
        .first(conn)
        .optional()?;
    if let Some(card) = row.and_then(card) {
        let mut one = with_tags(conn, vec![card])?;
        return Ok(StoryState::Public(Box::new(one.remove(0))));
    }
    let exists: i64 = stories::table
        .filter(stories::id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(if exists > 0 {
        StoryState::Gone
    } else {
        StoryState::Missing
    })
}

/// Which version of the wall a page shows. `counter` grows with every change to anything
/// the wall shows (a published story appearing, changing, leaving or being erased; people's
/// names; teams); `changed_at` is the whole second of the latest change and `now` the current
/// one, both by the database's clock (UNIX time), so that every instance agrees on them.
/// Triggers keep the version (the `wall_version` migration); reading it is one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable)]
pub struct Version {
    pub counter: i64,
    pub changed_at: i64,
    pub now: i64,
}

pub fn version(conn: &mut DbConn) -> QueryResult<Version> {
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    let now = match conn {
        DbConn::Sqlite(_) => "CAST(strftime('%s', 'now') AS BIGINT)",
        DbConn::Pg(_) => "floor(extract(epoch FROM clock_timestamp()))::bigint",
    };
    wall_version::table
        .select((
            wall_version::counter,
            wall_version::changed_at,
            sql::<BigInt>(now),
        ))
        .first(conn)
}

/// Counts a change the triggers cannot see (the brand every page is drawn with), so that
/// every copy of the wall given out before it is stale.
pub fn bump(conn: &mut DbConn) -> QueryResult<()> {
    let sql = match conn {
        DbConn::Sqlite(_) => {
            "UPDATE wall_version SET counter = counter + 1, \
             changed_at = max(CAST(strftime('%s', 'now') AS INTEGER), changed_at + 1)"
        }
        DbConn::Pg(_) => {
            "UPDATE wall_version SET counter = counter + 1, \
             changed_at = GREATEST(floor(extract(epoch FROM clock_timestamp()))::bigint, changed_at + 1)"
        }
    };
    crate::per_backend!(conn, c => diesel::sql_query(sql).execute(c)).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_junk() {
        let c = Cursor {
            published_at: chrono::DateTime::from_timestamp_micros(1_795_000_000_123_456)
                .unwrap()
                .naive_utc(),
            id: StoryId::new(),
        };
        assert_eq!(Cursor::parse(&c.encode()), Some(c));
        for bad in [
            "",
            "x.y",
            "12",
            "12.not-a-uuid",
            "9999999999999999999999.0190c6a2-0000-7000-8000-000000000000",
        ] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }
}
