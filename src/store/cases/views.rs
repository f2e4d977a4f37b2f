//! What staff see of cases: the unresolved ones in their scope, oldest first; whom a case
//! may be assigned to; and one case as its note's page shows it.

use diesel::prelude::*;

use super::{CaseRow, for_note};
use crate::db::DbConn;
use crate::db::ids::{NoteId, StaffId};
use crate::db::schema::{cases, notes, staff, teams};
use crate::domain::CaseStatus;
use crate::store::inbox::{OpenComplaints, Scope};

#[derive(Debug, Clone, serde::Serialize)]
pub struct OpenCase {
    pub note_id: String,
    pub reference: String,
    pub status: CaseStatus,
    pub status_label: &'static str,
    /// Who complained, as staff see them, and their first words.
    pub customer: String,
    pub first_words: String,
    pub rep: Option<String>,
    pub team: Option<String>,
    pub assignee: Option<String>,
    pub age_hours: i64,
    pub age: String,
    pub due: String,
    pub overdue: bool,
    pub escalated: bool,
}

fn age_words(hours: i64) -> String {
    match hours {
        h if h < 1 => "under an hour".into(),
        1 => "1 hour".into(),
        h if h < 48 => format!("{h} hours"),
        h => format!("{} days", h / 24),
    }
}

/// The start of what the customer wrote, to tell one case from the next at a glance.
fn first_words(body: Option<&str>) -> String {
    const WORDS: usize = 12;
    let Some(body) = body else {
        return "(erased at the customer's request)".into();
    };
    let words: Vec<&str> = body.split_whitespace().collect();
    let mut short: String = words
        .iter()
        .take(WORDS)
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    if short.chars().count() > 90 {
        short = short.chars().take(90).collect();
        short.push('…');
    } else if words.len() > WORDS {
        short.push('…');
    }
    short
}

/// A case with its reference, rep, team and assignee names.
#[derive(Queryable)]
struct OpenRow {
    case: CaseRow,
    reference: String,
    customer: Option<String>,
    body: Option<String>,
    rep: Option<String>,
    team: Option<String>,
    assignee: Option<String>,
}

impl OpenRow {
    fn view(self, now: chrono::NaiveDateTime) -> OpenCase {
        let case = self.case;
        let hours = (now - case.created_at).num_hours();
        OpenCase {
            note_id: case.note_id.to_string(),
            reference: self.reference,
            status: case.status,
            status_label: case.status.label(),
            customer: self.customer.unwrap_or_else(|| "A customer".into()),
            first_words: first_words(self.body.as_deref()),
            rep: self.rep,
            team: self.team,
            assignee: self.assignee,
            age_hours: hours,
            age: age_words(hours),
            due: case.due_at.format("%-d %b %Y, %H:%M").to_string(),
            overdue: case.overdue(now),
            escalated: case.escalated_at.is_some(),
        }
    }
}

/// Cases not yet resolved, in scope, oldest first.
pub fn open_by_age(conn: &mut DbConn, scope: &Scope, limit: i64) -> QueryResult<Vec<OpenCase>> {
    let assignee = diesel::alias!(staff as assignee);
    let mut query = cases::table
        .inner_join(notes::table)
        .left_join(staff::table.on(notes::rep_id.eq(staff::id.nullable())))
        .left_join(teams::table.on(notes::team_id.eq(teams::id.nullable())))
        .left_join(assignee.on(cases::assignee_id.eq(assignee.field(staff::id).nullable())))
        .filter(cases::status.ne(CaseStatus::Resolved))
        .order(cases::created_at.asc())
        .limit(limit)
        .select((
            CaseRow::as_select(),
            notes::reference,
            notes::customer_name,
            notes::body,
            staff::name.nullable(),
            teams::name.nullable(),
            assignee.field(staff::name).nullable(),
        ))
        .into_boxed();
    query = match scope {
        Scope::All => query,
        Scope::Own(id, OpenComplaints::Shown) => query.filter(
            notes::rep_id
                .eq(id.clone())
                .or(cases::assignee_id.eq(id.clone())),
        ),
        // A complaint about them reaches the rep once acknowledged (or assigned to them).
        Scope::Own(id, OpenComplaints::Hidden) => query.filter(
            notes::rep_id
                .eq(id.clone())
                .and(cases::status.ne(CaseStatus::Open))
                .or(cases::assignee_id.eq(id.clone())),
        ),
        Scope::Teams(id, teams) => query.filter(
            notes::rep_id
                .eq(id.clone())
                .or(notes::team_id.eq_any(teams.clone()))
                .or(cases::assignee_id.eq(id.clone())),
        ),
    };
    let now = crate::store::now();
    let rows: Vec<OpenRow> = query.load(conn)?;
    Ok(rows.into_iter().map(|row| row.view(now)).collect())
}

#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct Assignee {
    pub id: StaffId,
    pub name: String,
}

/// The people a case in this scope may be assigned to, by name.
pub fn assignees(conn: &mut DbConn, scope: &Scope) -> QueryResult<Vec<Assignee>> {
    let mut query = staff::table
        .filter(staff::active.eq(true))
        .order(staff::name.asc())
        .select((staff::id, staff::name))
        .into_boxed();
    query = match scope {
        Scope::All => query,
        Scope::Own(me, _) => query.filter(staff::id.eq(me.clone())),
        Scope::Teams(me, teams) => query.filter(
            staff::id
                .eq(me.clone())
                .or(staff::team_id.eq_any(teams.clone())),
        ),
    };
    query.limit(500).load(conn)
}

/// The case as its page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseView {
    pub status: CaseStatus,
    pub status_label: &'static str,
    pub assignee: Option<String>,
    pub due: String,
    pub overdue: bool,
    pub escalated: bool,
    pub resolution_note: Option<String>,
}

pub fn view(conn: &mut DbConn, id: &NoteId) -> QueryResult<Option<CaseView>> {
    let Some(case) = for_note(conn, id)? else {
        return Ok(None);
    };
    let assignee = match &case.assignee_id {
        Some(a) => staff::table
            .find(a)
            .select(staff::name)
            .first::<String>(conn)
            .optional()?,
        None => None,
    };
    Ok(Some(CaseView {
        overdue: case.overdue(crate::store::now()),
        escalated: case.escalated_at.is_some(),
        status: case.status,
        status_label: case.status.label(),
        assignee,
        due: case.due_at.format("%-d %B %Y, %H:%M UTC").to_string(),
        resolution_note: case.resolution_note,
    }))
}
