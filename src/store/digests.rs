//! Scheduled digests for managers: a daily list of thank-you notes waiting for moderation,
//! and a weekly recognition summary for their teams. Each is keyed by person and day (or
//! ISO week), so several instances running the same schedule still send one.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::inbox::{Scope, managed_teams};
use super::moderation;
use super::outbox::{self, NewMail};
use super::staff::Staff;
use crate::db::DbConn;
use crate::db::ids::{FeedbackId, StaffId, TeamId};
use crate::db::schema::{feedback, staff, stories, teams};
use crate::error::AppError;
use crate::mail::render;

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
    template: &str,
    key: String,
    to: &Staff,
    context: &mut tera::Context,
    quoted: &[FeedbackId],
) -> Result<usize, AppError> {
    context.insert("recipient_name", &to.name);
    let rendered = render::render(template, context)?;
    let mail = NewMail::new(key, template, None, &to.name, &to.email, rendered);
    Ok(usize::from(outbox::enqueue_quoting(conn, &mail, quoted)?))
}

#[derive(serde::Serialize)]
struct Waiting {
    rep: String,
    customer: String,
    received: String,
    excerpt: String,
}

/// One email per manager with thank-you notes waiting in their teams; returns how many
/// were queued (0 for a manager already sent today's).
pub fn moderation(conn: &mut DbConn, day: NaiveDate, base_url: &str) -> Result<usize, AppError> {
    let mut queued = 0;
    for (person, teams) in managers(conn)? {
        let waiting = moderation::queue(conn, &Scope::Teams(person.id.clone(), teams))?;
        if waiting.is_empty() {
            continue;
        }
        let quoted: Vec<FeedbackId> = waiting
            .iter()
            .take(10)
            .map(|m| m.feedback_id.clone())
            .collect();
        let items: Vec<Waiting> = waiting
            .iter()
            .take(10)
            .map(|m| Waiting {
                rep: m
                    .rep
                    .clone()
                    .unwrap_or_else(|| m.team.clone().unwrap_or_default()),
                customer: m.customer.clone(),
                received: m.received.clone(),
                excerpt: excerpt(m.original.as_deref().unwrap_or("")),
            })
            .collect();
        let mut c = tera::Context::new();
        c.insert("base_url", base_url);
        c.insert("count", &waiting.len());
        c.insert("more", &(waiting.len() - items.len()));
        c.insert("items", &items);
        c.insert("queue_url", &format!("{base_url}/staff/queue"));
        let key = format!("digest:moderation:{}:{day}", person.id);
        queued += queue_digest(conn, "moderation_digest", key, &person, &mut c, &quoted)?;
    }
    Ok(queued)
}

fn excerpt(text: &str) -> String {
    let mut short: String = text.chars().take(140).collect();
    if text.chars().count() > 140 {
        short.push('…');
    }
    short.replace(['\r', '\n'], " ")
}

#[derive(serde::Serialize)]
struct Thanked {
    name: String,
    count: i64,
}

#[derive(serde::Serialize)]
struct Quote {
    body: String,
    rep: String,
}

/// One weekly summary per manager for the seven days before `now`; returns how many queued.
pub fn weekly(conn: &mut DbConn, now: NaiveDateTime, base_url: &str) -> Result<usize, AppError> {
    let since = now - Duration::days(7);
    let week = now.date().iso_week();
    let mut queued = 0;
    for (person, teams) in managers(conn)? {
        if teams.is_empty() {
            continue;
        }
        let in_week = feedback::table
            .filter(feedback::team_id.eq_any(&teams))
            .filter(feedback::created_at.ge(since))
            .filter(feedback::created_at.lt(now));
        let thanks: i64 = in_week
            .clone()
            .filter(feedback::kind.eq("thanks"))
            .count()
            .get_result(conn)?;
        let complaints: i64 = in_week
            .clone()
            .filter(feedback::kind.eq("complaint"))
            .count()
            .get_result(conn)?;
        let published: i64 = stories::table
            .filter(stories::team_id.eq_any(&teams))
            .filter(stories::status.eq("published"))
            .filter(stories::published_at.ge(since))
            .filter(stories::published_at.lt(now))
            .count()
            .get_result(conn)?;
        if thanks + complaints + published == 0 {
            continue;
        }
        // Alphabetical, not ranked: this is recognition, not a league table.
        let people: Vec<(String, i64)> = in_week
            .clone()
            .filter(feedback::kind.eq("thanks"))
            .inner_join(staff::table.on(feedback::rep_id.eq(staff::id.nullable())))
            .group_by(staff::name)
            .select((staff::name, diesel::dsl::count_star()))
            .order(staff::name.asc())
            .load(conn)?;
        let quotes: Vec<(FeedbackId, Option<String>, Option<String>)> = in_week
            .clone()
            .filter(feedback::kind.eq("thanks"))
            .filter(feedback::body.is_not_null())
            .left_join(staff::table.on(feedback::rep_id.eq(staff::id.nullable())))
            .order(feedback::created_at.desc())
            .limit(3)
            .select((feedback::id, feedback::body, staff::name.nullable()))
            .load(conn)?;
        let team_names: Vec<String> = teams::table
            .filter(teams::id.eq_any(&teams))
            .order(teams::name.asc())
            .select(teams::name)
            .load(conn)?;
        let mut c = tera::Context::new();
        c.insert("base_url", base_url);
        c.insert("week_end", &now.format("%-d %B %Y").to_string());
        c.insert("thanks", &thanks);
        c.insert("complaints", &complaints);
        c.insert("published", &published);
        c.insert("teams", &team_names.join(", "));
        c.insert(
            "people",
            &people
                .into_iter()
                .map(|(name, count)| Thanked { name, count })
                .collect::<Vec<_>>(),
        );
        let quoted: Vec<FeedbackId> = quotes.iter().map(|q| q.0.clone()).collect();
        c.insert(
            "quotes",
            &quotes
                .into_iter()
                .map(|(_, body, rep)| Quote {
                    body: excerpt(body.as_deref().unwrap_or("")),
                    rep: rep.unwrap_or_else(|| "the team".into()),
                })
                .collect::<Vec<_>>(),
        );
        c.insert("inbox_url", &format!("{base_url}/staff?kind=thanks"));
        let key = format!(
            "digest:weekly:{}:{}-W{:02}",
            person.id,
            week.year(),
            week.week()
        );
        queued += queue_digest(conn, "weekly_digest", key, &person, &mut c, &quoted)?;
    }
    Ok(queued)
}
