//! Scheduled digests for managers: a daily list of thank-you notes waiting for moderation,
//! and a weekly recognition summary for their teams. Each is keyed by person and day (or
//! ISO week), so several instances running the same schedule still send one.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::StoreResult;
use super::inbox::{Scope, managed_teams};
use super::moderation;
use super::outbox::{self, NewMail};
use super::staff::Staff;
use crate::db::DbConn;
use crate::db::ids::{NoteId, StaffId, TeamId};
use crate::db::schema::{notes, staff, stories, teams};
use crate::domain::{NoteKind, StoryStatus};
use crate::mail::compose::{self, Composed, Week};

/// Everyone active who manages at least one team, with those teams (and the ones below).
fn managers(conn: &mut DbConn) -> QueryResult<Vec<(Staff, Vec<TeamId>)>> {
    let ids: Vec<StaffId> = teams::table
        .filter(teams::active.eq(true))
        .filter(teams::manager_id.is_not_null())
        .select(teams::manager_id.assume_not_null())
        .distinct()
        .load(conn)?;
    let people: Vec<Staff> = staff::table
        .filter(staff::id.eq_any(&ids))
        .filter(staff::active.eq(true))
        .order(staff::name.asc())
        .select(Staff::as_select())
        .load(conn)?;
    people
        .into_iter()
        .map(|p| {
            let teams = managed_teams(conn, &p.id)?;
            Ok((p, teams))
        })
        .collect()
}

/// Queues one digest, linked to the notes it quotes so that erasing or expiring any of
/// them scrubs the digest too.
fn queue_digest(
    conn: &mut DbConn,
    key: String,
    to: &Staff,
    email: Composed,
    quoted: &[NoteId],
) -> StoreResult<usize> {
    let mail = NewMail::new(key, email.name, None, &to.name, &to.email, email.rendered);
    Ok(usize::from(outbox::enqueue_quoting(conn, &mail, quoted)?))
}

/// One email per manager with thank-you notes waiting in their teams; returns how many
/// were queued (0 for a manager already sent today's).
pub fn moderation(conn: &mut DbConn, day: NaiveDate, base_url: &str) -> StoreResult<usize> {
    let mut queued = 0;
    for (person, teams) in managers(conn)? {
        let waiting = moderation::queue(conn, &Scope::Teams(person.id.clone(), teams))?;
        if waiting.is_empty() {
            continue;
        }
        let quoted: Vec<NoteId> = waiting
            .iter()
            .take(compose::DIGEST_ITEMS)
            .map(|m| m.note_id.clone())
            .collect();
        let email = compose::moderation_digest(base_url, &person.name, &waiting)?;
        let key = format!("digest:moderation:{}:{day}", person.id);
        queued += queue_digest(conn, key, &person, email, &quoted)?;
    }
    Ok(queued)
}

/// One weekly summary per manager for the seven days before `now`; returns how many queued.
pub fn weekly(conn: &mut DbConn, now: NaiveDateTime, base_url: &str) -> StoreResult<usize> {
    let week = now.date().iso_week();
    let mut queued = 0;
    for (person, teams) in managers(conn)? {
        if teams.is_empty() {
            continue;
        }
        let Some((summary, quoted)) = week_of(conn, &teams, now)? else {
            continue;
        };
        let email = compose::weekly_digest(base_url, &person.name, &summary)?;
        let key = format!(
            "digest:weekly:{}:{}-W{:02}",
            person.id,
            week.year(),
            week.week()
        );
        queued += queue_digest(conn, key, &person, email, &quoted)?;
    }
    Ok(queued)
}

/// What these teams did in the seven days before `now`, with the notes it quotes; nothing
/// when nothing happened.
fn week_of(
    conn: &mut DbConn,
    teams: &[TeamId],
    now: NaiveDateTime,
) -> QueryResult<Option<(Week, Vec<NoteId>)>> {
    let since = now - Duration::days(7);
    let count = |conn: &mut DbConn, kind: NoteKind| -> QueryResult<i64> {
        in_week(teams, since, now)
            .filter(notes::kind.eq(kind))
            .count()
            .get_result(conn)
    };
    let thanks = count(conn, NoteKind::Thanks)?;
    let complaints = count(conn, NoteKind::Complaint)?;
    let published: i64 = stories::table
        .filter(stories::team_id.eq_any(teams))
        .filter(stories::status.eq(StoryStatus::Published))
        .filter(stories::published_at.ge(since))
        .filter(stories::published_at.lt(now))
        .count()
        .get_result(conn)?;
    if thanks + complaints + published == 0 {
        return Ok(None);
    }
    let people = thanked(conn, teams, since, now)?;
    let (quoted, quotes) = newest_thanks(conn, teams, since, now)?;
    let team_names: Vec<String> = teams::table
        .filter(teams::id.eq_any(teams))
        .order(teams::name.asc())
        .select(teams::name)
        .load(conn)?;
    let summary = Week {
        end: now,
        thanks,
        complaints,
        published,
        teams: team_names,
        people,
        quotes,
    };
    Ok(Some((summary, quoted)))
}

/// The notes about these teams from `since` until `now`.
#[diesel::dsl::auto_type(no_type_alias)]
fn in_week<'a>(teams: &'a [TeamId], since: NaiveDateTime, now: NaiveDateTime) -> _ {
    notes::table
        .filter(notes::team_id.eq_any(teams))
        .filter(notes::created_at.ge(since))
        .filter(notes::created_at.lt(now))
}

/// Everyone thanked in the week, with how many times. Alphabetical, not ranked: this is
/// recognition, not a league table.
fn thanked(
    conn: &mut DbConn,
    teams: &[TeamId],
    since: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<Vec<(String, i64)>> {
    in_week(teams, since, now)
        .filter(notes::kind.eq(NoteKind::Thanks))
        .inner_join(staff::table.on(notes::rep_id.eq(staff::id.nullable())))
        .group_by(staff::name)
        .select((staff::name, diesel::dsl::count_star()))
        .order(staff::name.asc())
        .load(conn)
}

/// Notes quoted: which they are, and their words with the rep each thanked.
type Quotes = (Vec<NoteId>, Vec<(Option<String>, Option<String>)>);

/// The week's three newest thank-you notes.
fn newest_thanks(
    conn: &mut DbConn,
    teams: &[TeamId],
    since: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<Quotes> {
    let rows: Vec<(NoteId, Option<String>, Option<String>)> = in_week(teams, since, now)
        .filter(notes::kind.eq(NoteKind::Thanks))
        .filter(notes::body.is_not_null())
        .left_join(staff::table.on(notes::rep_id.eq(staff::id.nullable())))
        .order(notes::created_at.desc())
        .limit(3)
        .select((notes::id, notes::body, staff::name.nullable()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, body, rep)| (id, (body, rep)))
        .unzip())
}
