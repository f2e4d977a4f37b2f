//! CSV exports of notes and complaint cases for a subject (a manager's teams, one team, or
//! everything), read in keyset batches and handed over a batch at a time, so a large export
//! is streamed and never held whole in memory.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl;
use diesel::prelude::*;
// For `narrowed`, which calls it by path: a `.filter` call would be ambiguous with `QueryDsl`'s.
use diesel::query_dsl::methods::FilterDsl;

use super::notes::{Named, named_columns, with_names};
use super::stats::Subject;
use crate::db::DbConn;
use crate::db::ids::{NoteId, StaffId, TeamId};
use crate::db::schema::{cases, notes, staff, teams};
use crate::domain::{CaseStatus, NoteKind};
use crate::store::{StoreError, StoreResult};

const BATCH: i64 = 5000;

/// A spreadsheet would run a cell starting with one of these as a formula.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

fn time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Receives the CSV a batch of rows at a time; an error stops the export (say, the disk
/// is full).
pub type Emit<'a> = &'a mut dyn FnMut(Vec<u8>) -> std::io::Result<()>;

fn flush(out: csv::Writer<Vec<u8>>, emit: Emit<'_>) -> StoreResult<()> {
    let bytes = out
        .into_inner()
        .map_err(|e| StoreError::internal(e.into_error()))?;
    emit(bytes).map_err(StoreError::internal)
}

/// A writer for the next batch: no header row.
fn next_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new())
}

/// Only the subject's notes, and only those after `after` (the last of the batch before):
/// for a query of notes, or of anything joined to its note.
fn narrowed<Q>(q: Q, subject: &Subject, after: Option<&NoteId>) -> Q
where
    Q: FilterDsl<dsl::Eq<notes::rep_id, StaffId>, Output = Q>
        + FilterDsl<dsl::EqAny<notes::team_id, Vec<TeamId>>, Output = Q>
        + FilterDsl<dsl::Gt<notes::id, NoteId>, Output = Q>,
{
    let q = match subject {
        Subject::Rep(id, _) => FilterDsl::filter(q, notes::rep_id.eq(id.clone())),
        Subject::Teams(ids) => FilterDsl::filter(q, notes::team_id.eq_any(ids.clone())),
        Subject::All => q,
    };
    match after {
        Some(after) => FilterDsl::filter(q, notes::id.gt(after.clone())),
        None => q,
    }
}

/// A row of an export, read in keyset batches on its note's id.
trait Exported {
    fn note(&self) -> &NoteId;
}

/// Writes `header`, then every row `batch` loads (the next batch after the given note, oldest
/// first, [`BATCH`] at most), each as the cells `cells` makes of it, a batch at a time.
fn stream<R: Exported>(
    conn: &mut DbConn,
    header: &[&str],
    mut batch: impl FnMut(&mut DbConn, Option<&NoteId>) -> QueryResult<Vec<R>>,
    mut cells: impl FnMut(&R) -> Vec<String>,
    emit: Emit<'_>,
) -> StoreResult<()> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(header).map_err(StoreError::internal)?;
    let mut after: Option<NoteId> = None;
    loop {
        let rows = batch(conn, after.as_ref())?;
        for row in &rows {
            out.write_record(cells(row)).map_err(StoreError::internal)?;
        }
        after = rows.last().map(|r| r.note().clone());
        flush(std::mem::replace(&mut out, next_writer()), emit)?;
        if (rows.len() as i64) < BATCH {
            return Ok(());
        }
    }
}

impl Exported for Named {
    fn note(&self) -> &NoteId {
        &self.id
    }
}

fn note_batch(
    conn: &mut DbConn,
    subject: &Subject,
    after: Option<&NoteId>,
) -> QueryResult<Vec<Named>> {
    let q = with_names()
        .select(named_columns())
        .order(notes::id.asc())
        .limit(BATCH)
        .into_boxed();
    narrowed(q, subject, after).load(conn)
}

fn note_cells(r: &Named) -> Vec<String> {
    // As on the note's page: a customer's address only where they must be answered.
    let email = match r.kind {
        NoteKind::Complaint => r.customer_email.as_deref(),
        NoteKind::Thanks => None,
    };
    vec![
        r.reference.clone(),
        r.kind.to_string(),
        time(r.created_at),
        cell(r.rep.as_deref().unwrap_or("")),
        cell(r.team.as_deref().unwrap_or("")),
        cell(r.customer_name.as_deref().unwrap_or("")),
        cell(email.unwrap_or("")),
        r.display.to_string(),
        if r.consent_publish { "yes" } else { "no" }.to_owned(),
        r.channel.map(|c| c.to_string()).unwrap_or_default(),
        r.interaction_date
            .map(|d| d.to_string())
            .unwrap_or_default(),
        r.status.to_string(),
        cell(r.body.as_deref().unwrap_or("")),
    ]
}

/// Every note of the subject, oldest first, as CSV.
pub fn notes_csv(conn: &mut DbConn, subject: &Subject, emit: Emit<'_>) -> StoreResult<()> {
    let header = [
        "reference",
        "kind",
        "received_utc",
        "rep",
        "team",
        "customer",
        "customer_email",
        "display",
        "consent_publish",
        "channel",
        "interaction_date",
        "status",
        "body",
    ];
    let batch = |c: &mut DbConn, after: Option<&NoteId>| note_batch(c, subject, after);
    stream(conn, &header, batch, note_cells, emit)
}

#[derive(Queryable)]
struct CaseRow {
    note_id: NoteId,
    reference: String,
    status: CaseStatus,
    created_at: NaiveDateTime,
    due_at: NaiveDateTime,
    acknowledged_at: Option<NaiveDateTime>,
    resolved_at: Option<NaiveDateTime>,
    escalated_at: Option<NaiveDateTime>,
    resolution_note: Option<String>,
    assignee_id: Option<StaffId>,
    rep_id: Option<StaffId>,
    team_id: Option<TeamId>,
}

impl Exported for CaseRow {
    fn note(&self) -> &NoteId {
        &self.note_id
    }
}

fn case_batch(
    conn: &mut DbConn,
    subject: &Subject,
    after: Option<&NoteId>,
) -> QueryResult<Vec<CaseRow>> {
    let q = cases::table
        .inner_join(notes::table)
        .select((
            notes::id,
            notes::reference,
            cases::status,
            cases::created_at,
            cases::due_at,
            cases::acknowledged_at,
            cases::resolved_at,
            cases::escalated_at,
            cases::resolution_note,
            cases::assignee_id,
            notes::rep_id,
            notes::team_id,
        ))
        .order(notes::id.asc())
        .limit(BATCH)
        .into_boxed();
    narrowed(q, subject, after).load(conn)
}

/// Everyone's and every team's name, by id (a case names its rep, team and assignee).
struct Names {
    staff: HashMap<StaffId, String>,
    teams: HashMap<TeamId, String>,
}

impl Names {
    fn load(conn: &mut DbConn) -> QueryResult<Self> {
        Ok(Self {
            staff: staff::table
                .select((staff::id, staff::name))
                .load::<(StaffId, String)>(conn)?
                .into_iter()
                .collect(),
            teams: teams::table
                .select((teams::id, teams::name))
                .load::<(TeamId, String)>(conn)?
                .into_iter()
                .collect(),
        })
    }

    fn case_cells(&self, r: &CaseRow) -> Vec<String> {
        let hours = |to: Option<NaiveDateTime>| {
            to.map(|t| format!("{:.1}", (t - r.created_at).num_seconds() as f64 / 3600.0))
                .unwrap_or_default()
        };
        let person = |id: &Option<StaffId>| {
            cell(
                id.as_ref()
                    .and_then(|i| self.staff.get(i))
                    .map_or("", String::as_str),
            )
        };
        let team = r.team_id.as_ref().and_then(|t| self.teams.get(t));
        vec![
            r.reference.clone(),
            r.status.to_string(),
            time(r.created_at),
            time(r.due_at),
            r.acknowledged_at.map(time).unwrap_or_default(),
            r.resolved_at.map(time).unwrap_or_default(),
            r.escalated_at.map(time).unwrap_or_default(),
            hours(r.acknowledged_at),
            hours(r.resolved_at),
            person(&r.rep_id),
            cell(team.map_or("", String::as_str)),
            person(&r.assignee_id),
            cell(r.resolution_note.as_deref().unwrap_or("")),
        ]
    }
}

/// Every complaint case of the subject, oldest first, as CSV.
pub fn cases_csv(conn: &mut DbConn, subject: &Subject, emit: Emit<'_>) -> StoreResult<()> {
    let names = Names::load(conn)?;
    let header = [
        "reference",
        "status",
        "opened_utc",
        "due_utc",
        "acknowledged_utc",
        "resolved_utc",
        "escalated_utc",
        "hours_to_acknowledge",
        "hours_to_resolve",
        "rep",
        "team",
        "assignee",
        "resolution",
    ];
    let batch = |c: &mut DbConn, after: Option<&NoteId>| case_batch(c, subject, after);
    stream(conn, &header, batch, |r| names.case_cells(r), emit)
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn formulas_are_defused() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("Thanks!"), "Thanks!");
    }
}
