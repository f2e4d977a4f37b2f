//! Complaint cases: open → acknowledged → resolved, with a due time. Each step is recorded
//! as a note event ([`steps`]); the customer hears about acknowledgement and resolution by
//! email. Staff see the open cases and one case's state ([`views`]).

pub mod authors;
mod rights;
mod steps;
mod views;

use chrono::NaiveDateTime;
use diesel::prelude::*;

pub use rights::{MAX_REPLIES, Rights, rights};
pub use steps::{Acting, Step, apply};
pub use views::{Assignee, CaseView, OpenCase, assignees, open_by_age, view};

use crate::db::DbConn;
use crate::db::ids::{CaseId, NoteId, StaffId};
use crate::db::schema::cases;
use crate::domain::CaseStatus;

#[derive(Debug, Insertable)]
#[diesel(table_name = cases)]
struct NewCase<'a> {
    id: CaseId,
    note_id: &'a NoteId,
    status: CaseStatus,
    due_at: NaiveDateTime,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Opens the case for a complaint, due for acknowledgement at `due_at`.
pub fn open(conn: &mut DbConn, note: &NoteId, due_at: NaiveDateTime) -> QueryResult<CaseId> {
    let id = CaseId::new();
    let now = super::now();
    diesel::insert_into(cases::table)
        .values(NewCase {
            id: id.clone(),
            note_id: note,
            status: CaseStatus::Open,
            due_at,
            created_at: now,
            updated_at: now,
        })
        .execute(conn)?;
    Ok(id)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct CaseRow {
    pub id: CaseId,
    pub note_id: NoteId,
    pub status: CaseStatus,
    pub assignee_id: Option<StaffId>,
    pub due_at: NaiveDateTime,
    pub escalated_at: Option<NaiveDateTime>,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolution_note: Option<String>,
    pub created_at: NaiveDateTime,
}

impl CaseRow {
    pub fn overdue(&self, now: NaiveDateTime) -> bool {
        self.status == CaseStatus::Open && self.due_at <= now
    }
}

pub fn for_note(conn: &mut DbConn, id: &NoteId) -> QueryResult<Option<CaseRow>> {
    cases::table
        .filter(cases::note_id.eq(id))
        .select(CaseRow::as_select())
        .first(conn)
        .optional()
}
