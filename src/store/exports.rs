//! CSV exports of notes and complaint cases for a subject (a manager's teams, one team, or
//! everything), read in keyset batches and handed over a batch at a time, so a large export
//! is streamed and never held whole in memory.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::stats::Subject;
use crate::db::DbConn;
use crate::db::ids::{FeedbackId, StaffId, TeamId};
use crate::db::schema::{cases, feedback, staff, teams};
use crate::error::AppError;

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

type NoteRow = (
    FeedbackId,
    String,
    String,
    NaiveDateTime,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    bool,
    Option<String>,
    Option<chrono::NaiveDate>,
    String,
    Option<String>,
);

/// Receives the CSV a batch of rows at a time; an error stops the export (say, the client left).
pub type Emit<'a> = &'a mut dyn FnMut(Vec<u8>) -> Result<(), AppError>;

fn flush(out: csv::Writer<Vec<u8>>, emit: Emit<'_>) -> Result<(), AppError> {
    let bytes = out
        .into_inner()
        .map_err(|e| AppError::internal(e.into_error()))?;
    emit(bytes)
}

/// A writer for the next batch: no header row.
fn next_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new())
}

/// Every note of the subject, oldest first, as CSV.
pub fn notes_csv(conn: &mut DbConn, subject: &Subject, emit: Emit<'_>) -> Result<(), AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
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
    ])
    .map_err(AppError::internal)?;
    let mut after: Option<FeedbackId> = None;
    loop {
        let mut q = feedback::table
            .left_join(staff::table.on(feedback::rep_id.eq(staff::id.nullable())))
            .left_join(teams::table.on(feedback::team_id.eq(teams::id.nullable())))
            .select((
                feedback::id,
                feedback::reference,
                feedback::kind,
                feedback::created_at,
                staff::name.nullable(),
                teams::name.nullable(),
                feedback::customer_name,
                feedback::customer_email,
                feedback::display,
                feedback::consent_publish,
                feedback::channel,
                feedback::interaction_date,
                feedback::status,
                feedback::body,
            ))
            .order(feedback::id.asc())
            .limit(BATCH)
            .into_boxed();
        q = match subject {
            Subject::Rep(id, _) => q.filter(feedback::rep_id.eq(id.clone())),
            Subject::Teams(ids) => q.filter(feedback::team_id.eq_any(ids.clone())),
            Subject::All => q,
        };
        if let Some(after) = &after {
            q = q.filter(feedback::id.gt(after.clone()));
        }
        let rows: Vec<NoteRow> = q.load(conn)?;
        let done = (rows.len() as i64) < BATCH;
        for r in &rows {
            // As on the note's page: a customer's address only where they must be answered.
            let email = if r.2 == "complaint" {
                r.7.as_deref()
            } else {
                None
            };
            out.write_record([
                r.1.as_str(),
                r.2.as_str(),
                &time(r.3),
                &cell(r.4.as_deref().unwrap_or("")),
                &cell(r.5.as_deref().unwrap_or("")),
                &cell(r.6.as_deref().unwrap_or("")),
                &cell(email.unwrap_or("")),
                r.8.as_str(),
                if r.9 { "yes" } else { "no" },
                r.10.as_deref().unwrap_or(""),
                &r.11.map(|d| d.to_string()).unwrap_or_default(),
                r.12.as_str(),
                &cell(r.13.as_deref().unwrap_or("")),
            ])
            .map_err(AppError::internal)?;
        }
        after = rows.last().map(|r| r.0.clone());
        flush(std::mem::replace(&mut out, next_writer()), emit)?;
        if done {
            return Ok(());
        }
    }
}

type CaseRow = (
    FeedbackId,
    String,
    String,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<String>,
    Option<StaffId>,
    Option<StaffId>,
    Option<TeamId>,
);

/// Every complaint case of the subject, oldest first, as CSV.
pub fn cases_csv(conn: &mut DbConn, subject: &Subject, emit: Emit<'_>) -> Result<(), AppError> {
    let names: std::collections::HashMap<StaffId, String> = staff::table
        .select((staff::id, staff::name))
        .load::<(StaffId, String)>(conn)?
        .into_iter()
        .collect();
    let team_names: std::collections::HashMap<TeamId, String> = teams::table
        .select((teams::id, teams::name))
        .load::<(TeamId, String)>(conn)?
        .into_iter()
        .collect();
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
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
    ])
    .map_err(AppError::internal)?;
    let mut after: Option<FeedbackId> = None;
    loop {
        let mut q = cases::table
            .inner_join(feedback::table)
            .select((
                feedback::id,
                feedback::reference,
                cases::status,
                cases::created_at,
                cases::due_at,
                cases::acknowledged_at,
                cases::resolved_at,
                cases::escalated_at,
                cases::resolution_note,
                cases::assignee_id,
                feedback::rep_id,
                feedback::team_id,
            ))
            .order(feedback::id.asc())
            .limit(BATCH)
            .into_boxed();
        q = match subject {
            Subject::Rep(id, _) => q.filter(feedback::rep_id.eq(id.clone())),
            Subject::Teams(ids) => q.filter(feedback::team_id.eq_any(ids.clone())),
            Subject::All => q,
        };
        if let Some(after) = &after {
            q = q.filter(feedback::id.gt(after.clone()));
        }
        let rows: Vec<CaseRow> = q.load(conn)?;
        let done = (rows.len() as i64) < BATCH;
        for r in &rows {
            let hours = |to: Option<NaiveDateTime>| {
                to.map(|t| format!("{:.1}", (t - r.3).num_seconds() as f64 / 3600.0))
                    .unwrap_or_default()
            };
            let name = |id: &Option<StaffId>| {
                id.as_ref()
                    .and_then(|i| names.get(i))
                    .cloned()
                    .unwrap_or_default()
            };
            out.write_record([
                r.1.as_str(),
                r.2.as_str(),
                &time(r.3),
                &time(r.4),
                &r.5.map(time).unwrap_or_default(),
                &r.6.map(time).unwrap_or_default(),
                &r.7.map(time).unwrap_or_default(),
                &hours(r.5),
                &hours(r.6),
                &cell(&name(&r.10)),
                &cell(
                    &r.11
                        .as_ref()
                        .and_then(|t| team_names.get(t))
                        .cloned()
                        .unwrap_or_default(),
                ),
                &cell(&name(&r.9)),
                &cell(r.8.as_deref().unwrap_or("")),
            ])
            .map_err(AppError::internal)?;
        }
        after = rows.last().map(|r| r.0.clone());
        flush(std::mem::replace(&mut out, next_writer()), emit)?;
        if done {
            return Ok(());
        }
    }
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
