//! Recognition stats for a scope (a rep's own notes, a manager's teams, everything): notes
//! by week and month, published stories, themes by tag, and how fast complaints are
//! answered. Each figure is an indexed range count, so it costs the same at any volume.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::inbox::{OpenComplaints, Scope};
use crate::db::DbConn;
use crate::db::ids::{StaffId, TeamId};
use crate::db::schema::{cases, feedback, staff, stories, story_tags};

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

#[derive(Debug, Clone, serde::Serialize)]
pub struct Theme {
    pub tag: String,
    pub stories: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
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
    kind: &str,
    from: NaiveDateTime,
    to: Option<NaiveDateTime>,
) -> QueryResult<i64> {
    let mut q = feedback::table
        .filter(feedback::kind.eq(kind.to_owned()))
        .filter(feedback::created_at.ge(from))
        .into_boxed();
    if let Some(to) = to {
        q = q.filter(feedback::created_at.lt(to));
    }
    q = match subject {
        Subject::Rep(id, OpenComplaints::Shown) => q.filter(feedback::rep_id.eq(id.clone())),
        Subject::Rep(id, OpenComplaints::Hidden) => {
            q.filter(feedback::rep_id.eq(id.clone())).filter(
                feedback::kind.ne("complaint").or(feedback::id.eq_any(
                    cases::table
                        .filter(cases::status.ne("open"))
                        .select(cases::feedback_id),
                )),
            )
        }
        Subject::Teams(teams) => q.filter(feedback::team_id.eq_any(teams.clone())),
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
                thanks: count(conn, subject, "thanks", from, to)?,
                complaints: count(conn, subject, "complaint", from, to)?,
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
        .inner_join(feedback::table)
        .filter(cases::created_at.ge(since))
        .select((
            cases::created_at,
            cases::acknowledged_at,
            cases::resolved_at,
        ))
        .into_boxed();
    q = match subject {
        Subject::Rep(id, OpenComplaints::Shown) => q.filter(feedback::rep_id.eq(id.clone())),
        Subject::Rep(id, OpenComplaints::Hidden) => q
            .filter(feedback::rep_id.eq(id.clone()))
            .filter(cases::status.ne("open")),
        Subject::Teams(teams) => q.filter(feedback::team_id.eq_any(teams.clone())),
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
    let mut overdue = cases::table
        .inner_join(feedback::table)
        .filter(cases::status.eq("open"))
        .filter(cases::due_at.le(now))
        .into_boxed();
    overdue = match subject {
        Subject::Rep(id, OpenComplaints::Shown) => overdue.filter(feedback::rep_id.eq(id.clone())),
        // Overdue cases are open ones: not the rep's to see yet.
        Subject::Rep(_, OpenComplaints::Hidden) => overdue.filter(feedback::id.eq("")),
        Subject::Teams(teams) => overdue.filter(feedback::team_id.eq_any(teams.clone())),
        Subject::All => overdue,
    };
    Ok(CaseTimes {
        opened: rows.len() as i64,
        acknowledged: ack.len() as i64,
        resolved: res.len() as i64,
        median_hours_to_acknowledge: median(&mut ack),
        median_hours_to_resolve: median(&mut res),
        overdue_now: overdue.count().get_result(conn)?,
    })
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
    let weeks = buckets(conn, subject, &week_edges, |d| {
        d.format("%-d %b").to_string()
    })?;
    let months = buckets(conn, subject, &month_edges, |d| {
        d.format("%b %Y").to_string()
    })?;
    // Before any note (and inside both databases' timestamp range).
    let ever = at(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default());
    let thanks_total = count(conn, subject, "thanks", ever, None)?;
    let complaints_total = count(conn, subject, "complaint", ever, None)?;

    let mut published = stories::table
        .filter(stories::status.eq("published"))
        .into_boxed();
    published = match subject {
        Subject::Rep(id, _) => published.filter(stories::rep_id.eq(id.clone())),
        Subject::Teams(teams) => published.filter(stories::team_id.eq_any(teams.clone())),
        Subject::All => published,
    };
    let published: i64 = published.count().get_result(conn)?;

    let mut themes = story_tags::table
        .inner_join(stories::table)
        .filter(stories::status.eq("published"))
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
    let themes: Vec<(String, i64)> = themes.load(conn)?;

    let ranking = match (with_ranking, subject) {
        (true, Subject::Teams(_) | Subject::All) => {
            let since = now - Duration::days(90);
            let mut q = feedback::table
                .inner_join(staff::table.on(feedback::rep_id.eq(staff::id.nullable())))
                .filter(feedback::kind.eq("thanks"))
                .filter(feedback::created_at.ge(since))
                .group_by(staff::name)
                .select((staff::name, diesel::dsl::count_star()))
                .order((diesel::dsl::count_star().desc(), staff::name.asc()))
                .limit(20)
                .into_boxed();
            if let Subject::Teams(teams) = subject {
                q = q.filter(feedback::team_id.eq_any(teams.clone()));
            }
            let rows: Vec<(String, i64)> = q.load(conn)?;
            Some(
                rows.into_iter()
                    .map(|(name, thanks)| Ranked { name, thanks })
                    .collect(),
            )
        }
        _ => None,
    };
    Ok(Stats {
        weeks,
        months,
        thanks_total,
        complaints_total,
        published,
        themes: themes
            .into_iter()
            .map(|(tag, stories)| Theme { tag, stories })
            .collect(),
        cases: case_times(conn, subject, now)?,
        ranking,
    })
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
