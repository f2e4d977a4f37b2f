//! The wall's own record, for `/wall/about`: per team, the thank-you notes received and the
//! stories published since a date, and (where the organisation chooses to show it) how many
//! complaints were acknowledged within the target time. Teams, never individuals.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::db::ids::TeamId;
use crate::db::schema::{cases, notes, stories, teams};
use crate::domain::{NoteKind, StoryStatus};

/// One team's line.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TeamRecord {
    pub team: String,
    pub thanks: i64,
    pub published: i64,
    /// Complaints acknowledged in time, of those due (shown only when the setting says so).
    pub in_time: Option<(i64, i64)>,
}

type Counts = HashMap<Option<TeamId>, i64>;

fn thanks_since(conn: &mut DbConn, since: NaiveDateTime) -> QueryResult<Counts> {
    let rows: Vec<(Option<TeamId>, i64)> = notes::table
        .filter(notes::kind.eq(NoteKind::Thanks))
        .filter(notes::created_at.ge(since))
        .group_by(notes::team_id)
        .select((notes::team_id, count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

fn published_since(conn: &mut DbConn, since: NaiveDateTime) -> QueryResult<Counts> {
    let rows: Vec<(Option<TeamId>, i64)> = stories::table
        .inner_join(notes::table)
        .filter(stories::status.eq(StoryStatus::Published))
        .filter(stories::published_at.ge(since))
        .filter(notes::consent_publish.eq(true))
        .filter(notes::erased_at.is_null())
        .group_by(stories::team_id)
        .select((stories::team_id, count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Per team: complaints due since `since` (their deadline passed, or acknowledged), and
/// those acknowledged by their deadline.
fn in_time_since(
    conn: &mut DbConn,
    since: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<HashMap<Option<TeamId>, (i64, i64)>> {
    let due = cases::table
        .inner_join(notes::table)
        .filter(cases::created_at.ge(since))
        .filter(
            cases::due_at
                .le(now)
                .or(cases::acknowledged_at.is_not_null()),
        );
    let all: Vec<(Option<TeamId>, i64)> = due
        .group_by(notes::team_id)
        .select((notes::team_id, count_star()))
        .load(conn)?;
    let kept: Vec<(Option<TeamId>, i64)> = due
        .filter(cases::acknowledged_at.le(cases::due_at.nullable()))
        .group_by(notes::team_id)
        .select((notes::team_id, count_star()))
        .load(conn)?;
    let kept: Counts = kept.into_iter().collect();
    Ok(all
        .into_iter()
        .map(|(team, n)| {
            let k = kept.get(&team).copied().unwrap_or(0);
            (team, (k, n))
        })
        .collect())
}

/// Every active team's record since `since`, by name, then everything not on a team.
pub fn by_team(
    conn: &mut DbConn,
    since: NaiveDateTime,
    response_times: bool,
) -> QueryResult<Vec<TeamRecord>> {
    let thanks = thanks_since(conn, since)?;
    let published = published_since(conn, since)?;
    let in_time = match response_times {
        true => Some(in_time_since(conn, since, super::now())?),
        false => None,
    };
    let named: Vec<(TeamId, String)> = teams::table
        .filter(teams::active.eq(true))
        .order(teams::name.asc())
        .select((teams::id, teams::name))
        .load(conn)?;
    let line = |team: Option<TeamId>, name: String| TeamRecord {
        thanks: thanks.get(&team).copied().unwrap_or(0),
        published: published.get(&team).copied().unwrap_or(0),
        in_time: in_time
            .as_ref()
            .map(|m| m.get(&team).copied().unwrap_or((0, 0))),
        team: name,
    };
    let mut out: Vec<TeamRecord> = named
        .into_iter()
        .map(|(id, name)| line(Some(id), name))
        .collect();
    let rest = line(None, "Not on a team".into());
    if rest.thanks > 0 || rest.published > 0 {
        out.push(rest);
    }
    Ok(out)
}
