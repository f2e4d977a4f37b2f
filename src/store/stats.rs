//! Recognition stats for a scope (a rep's own notes, a manager's teams, everything): notes
//! by week and month, published stories, themes by tag, and how fast complaints are
//! answered. Each figure is an indexed range count, so it costs the same at any volume.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::inbox::{OpenComplaints, Scope};
use crate::db::DbConn;
use crate::db::ids::{StaffId, TeamId};
use crate::db::schema::{cases, notes, staff, stories, story_tags};
use crate::domain::{CaseStatus, NoteKind, StoryStatus};

/// Which notes count: a rep's own, some teams', or all.
#[derive(Debug, Clone)]
pub enum Subject {
    /// A rep's own notes; open complaints only if they may see them yet.
    Rep(StaffId, OpenComplaints),
    Teams(Vec<TeamId>),
    All,
}

impl Subject {
    /// What a viewer's stats cover: a rep their own notes, a manager their teams.
    pub fn of(scope: &Scope) -> Self {
        match scope {
            Scope::Own(me, open) => Self::Rep(me.clone(), *open),
            Scope::Teams(_, teams) => Self::Teams(teams.clone()),
            Scope::All => Self::All,
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Bucket {
    /// "17 Nov" for a week (its Monday), "Nov 2026" for a month.
    pub label: String,
    pub thanks: i64,
    pub complaints: i64,
}

#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct Theme {
    pub tag: String,
    pub stories: i64,
}

#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct Ranked {
    pub name: String,
    pub thanks: i64,
}

#[derive(Debug, Clone, serde::Serialize, Default)]
pub struct CaseTimes {
    /// Cases opened in the last 90 days.
    pub opened: i64,
    pub acknowledged: i64,
    pub resolved: i64,
    pub median_hours_to_acknowledge: Option<f64>,
    pub median_hours_to_resolve: Option<f64>,
    pub overdue_now: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Stats {
    pub weeks: Vec<Bucket>,
    pub months: Vec<Bucket>,
    pub thanks_total: i64,
    pub complaints_total: i64,
    pub published: i64,
    pub themes: Vec<Theme>,
    pub cases: CaseTimes,
    /// Only when an admin turned the ranking on and the subject is more than one person.
    pub ranking: Option<Vec<Ranked>>,
}

fn monday(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The first of the month `n` months after (or before, when negative) `day`'s month.
fn add_months(day: NaiveDate, n: i32) -> NaiveDate {
    let total = day.year() * 12 + day.month0() as i32 + n;
    NaiveDate::from_ymd_opt(total.div_euclid(12), total.rem_euclid(12) as u32 + 1, 1).unwrap_or(day)
}

fn at(day: NaiveDate) -> NaiveDateTime {
    day.and_hms_opt(0, 0, 0).unwrap_or_default()
}

/// Notes of one kind in the subject between two times.
fn count(
    conn: &mut DbConn,
    subject: &Subject,
    kind: NoteKind,
    from: NaiveDateTime,
    to: Option<NaiveDateTime>,
) -> QueryResult<i64> {
    let mut q = notes::table
        .filter(notes::kind.eq(kind))
        .filter(notes::created_at.ge(from))
        .into_boxed();
    if let Some(to) = to {
        q = q.filter(notes::created_at.lt(to));
    }
    q = match subject {
        Subject::Rep(id, OpenComplaints::Shown) => q.filter(notes::rep_id.eq(id.clone())),
        Subject::Rep(id, OpenComplaints::Hidden) => q.filter(notes::rep_id.eq(id.clone())).filter(
            notes::kind.ne(NoteKind::Complaint).or(notes::id.eq_any(
                cases::table
                    .filter(cases::status.ne(CaseStatus::Open))
                    .select(cases::note_id),
            )),
        ),
        Subject::Teams(teams) => q.filter(notes::team_id.eq_any(teams.clone())),
        Subject::All => q,
    };
    q.count().get_result(conn)
}

fn buckets(
    conn: &mut DbConn,
    subject: &Subject,
    edges: &[NaiveDate],
    label: impl Fn(NaiveDate) -> String,
) -> QueryResult<Vec<Bucket>> {
    edges
        .windows(2)
        .map(|w| {
            let (from, to) = (at(w[0]), Some(at(w[1])));
            Ok(Bucket {
                label: label(w[0]),
                thanks: count(conn, subject, NoteKind::Thanks, from, to)?,
                complaints: count(conn, subject, NoteKind::Complaint, from, to)?,
            })
        })
        .collect()
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    let m = if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    };
    Some((m * 10.0).round() / 10.0)
}

fn case_times(conn: &mut DbConn, subject: &Subject, now: NaiveDateTime) -> QueryResult<CaseTimes> {
    let since = now - Duration::days(90);
    let mut q = cases::table
        .inner_join(notes::table)
        .filter(cases::created_at.ge(since))
        .select((
            cases::created_at,
            cases::acknowledged_at,
            cases::resolved_at,
        ))
        .into_boxed();
    q = match subject {
        Subject::Rep(id, OpenComplaints::Shown) => q.filter(notes::rep_id.eq(id.clone())),
        Subject::Rep(id, OpenComplaints::Hidden) => q
            .filter(notes::rep_id.eq(id.clone()))
            .filter(cases::status.ne(CaseStatus::Open)),
        Subject::Teams(teams) => q.filter(notes::team_id.eq_any(teams.clone())),
        Subject::All => q,
    };
    let rows: Vec<(NaiveDateTime, Option<NaiveDateTime>, Option<NaiveDateTime>)> = q.load(conn)?;
    let hours = |from: NaiveDateTime, to: NaiveDateTime| (to - from).num_seconds() as f64 / 3600.0;
    let mut ack: Vec<f64> = rows
        .iter()
        .filter_map(|(c, a, _)| a.map(|a| hours(*c, a)))
        .collect();
    let mut res: Vec<f64> = rows
        .iter()
        .filter_map(|(c, _, r)| r.map(|r| hours(*c, r)))
        .collect();
    Ok(CaseTimes {
        opened: rows.len() as i64,
        acknowledged: ack.len() as i64,
        resolved: res.len() as i64,
        median_hours_to_acknowledge: median(&mut ack),
        median_hours_to_resolve: median(&mut res),
        overdue_now: overdue(conn, subject, now)?,
    })
}

/// The subject's cases open past their due time at `now`.
fn overdue(conn: &mut DbConn, subject: &Subject, now: NaiveDateTime) -> QueryResult<i64> {
    let mut overdue = cases::table
        .inner_join(notes::table)
        .filter(cases::status.eq(CaseStatus::Open))
        .filter(cases::due_at.le(now))
        .into_boxed();
    overdue = match subject {
        Subject::Rep(id, OpenComplaints::Shown) => overdue.filter(notes::rep_id.eq(id.clone())),
        // Overdue cases are open ones: not the rep's to see yet.
        Subject::Rep(_, OpenComplaints::Hidden) => overdue.filter(notes::id.eq("")),
        Subject::Teams(teams) => overdue.filter(notes::team_id.eq_any(teams.clone())),
        Subject::All => overdue,
    };
    overdue.count().get_result(conn)
}

/// The stats of a subject as at `now`: the last 12 weeks and 12 months.
pub fn compute(
    conn: &mut DbConn,
    subject: &Subject,
    now: NaiveDateTime,
    with_ranking: bool,
) -> QueryResult<Stats> {
    let today = now.date();
    let this_week = monday(today);
    let week_edges: Vec<NaiveDate> = (-11..=1).map(|k| this_week + Duration::weeks(k)).collect();
    let this_month = first_of_month(today);
    let month_edges: Vec<NaiveDate> = (-11..=1).map(|k| add_months(this_month, k)).collect();
    // Before any note (and inside both databases' timestamp range).
    let ever = at(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default());
    let ranked = with_ranking && matches!(subject, Subject::Teams(_) | Subject::All);
    Ok(Stats {
        weeks: buckets(conn, subject, &week_edges, |d| {
            d.format("%-d %b").to_string()
        })?,
        months: buckets(conn, subject, &month_edges, |d| {
            d.format("%b %Y").to_string()
        })?,
        thanks_total: count(conn, subject, NoteKind::Thanks, ever, None)?,
        complaints_total: count(conn, subject, NoteKind::Complaint, ever, None)?,
        published: published(conn, subject)?,
        themes: themes(conn, subject)?,
        cases: case_times(conn, subject, now)?,
        ranking: if ranked {
            Some(ranking(conn, subject, now)?)
        } else {
            None
        },
    })
}

/// The subject's stories on the wall.
fn published(conn: &mut DbConn, subject: &Subject) -> QueryResult<i64> {
    let mut published = stories::table
        .filter(stories::status.eq(StoryStatus::Published))
        .into_boxed();
    published = match subject {
        Subject::Rep(id, _) => published.filter(stories::rep_id.eq(id.clone())),
        Subject::Teams(teams) => published.filter(stories::team_id.eq_any(teams.clone())),
        Subject::All => published,
    };
    published.count().get_result(conn)
}

/// The ten tags on most of the subject's stories on the wall.
fn themes(conn: &mut DbConn, subject: &Subject) -> QueryResult<Vec<Theme>> {
    let mut themes = story_tags::table
        .inner_join(stories::table)
        .filter(stories::status.eq(StoryStatus::Published))
        .group_by(story_tags::tag)
        .select((story_tags::tag, diesel::dsl::count_star()))
        .order((diesel::dsl::count_star().desc(), story_tags::tag.asc()))
        .limit(10)
        .into_boxed();
    themes = match subject {
        Subject::Rep(id, _) => themes.filter(stories::rep_id.eq(id.clone())),
        Subject::Teams(teams) => themes.filter(stories::team_id.eq_any(teams.clone())),
        Subject::All => themes,
    };
    themes.load(conn)
}

/// The twenty people thanked most in the last 90 days (of some teams, or of all).
fn ranking(conn: &mut DbConn, subject: &Subject, now: NaiveDateTime) -> QueryResult<Vec<Ranked>> {
    let since = now - Duration::days(90);
    let mut q = notes::table
        .inner_join(staff::table.on(notes::rep_id.eq(staff::id.nullable())))
        .filter(notes::kind.eq(NoteKind::Thanks))
        .filter(notes::created_at.ge(since))
        .group_by(staff::name)
        .select((staff::name, diesel::dsl::count_star()))
        .order((diesel::dsl::count_star().desc(), staff::name.asc()))
        .limit(20)
        .into_boxed();
    if let Subject::Teams(teams) = subject {
        q = q.filter(notes::team_id.eq_any(teams.clone()));
    }
    q.load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_edges() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(monday(d(2026, 11, 22)), d(2026, 11, 16));
        assert_eq!(monday(d(2026, 11, 23)), d(2026, 11, 23));
        assert_eq!(add_months(d(2026, 3, 1), -4), d(2025, 11, 1));
        assert_eq!(add_months(d(2026, 12, 1), 1), d(2027, 1, 1));
        assert_eq!(add_months(d(2026, 1, 15), 0), d(2026, 1, 1));
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [1.0, 2.0]), Some(1.5));
        assert_eq!(median(&mut []), None);
    }
}
