//! What one person may do with one note: the rule each case step checks before it runs, and
//! the same rule the note's page asks so that it shows only the forms that will work (and
//! otherwise says who handles the complaint).

use diesel::prelude::*;

use super::{CaseRow, for_note};
use crate::db::DbConn;
use crate::domain::case::{CaseAction, transition};
use crate::domain::{EventKind, NoteKind, NoteStatus, Role};
use crate::store::events;
use crate::store::note_facts::NoteFacts;
use crate::store::responsible::{active_staff, manager_of};
use crate::store::settings;
use crate::store::{StoreError, StoreResult};

use super::Acting;

/// The most replies one thank-you may get.
pub const MAX_REPLIES: i64 = 3;

/// Whether the note is in the acting person's sight.
pub fn in_scope(who: &Acting<'_>, facts: &NoteFacts) -> bool {
    let note = &facts.note;
    who.scope
        .covers(note.rep_id.as_ref(), note.team_id.as_ref())
}

/// May this person work on this complaint? Managers and admins in scope may; the assignee
/// may; the rep may handle their own only where the organisation allows it.
pub fn may_handle(
    conn: &mut DbConn,
    who: &Acting<'_>,
    facts: &NoteFacts,
    case: &CaseRow,
) -> QueryResult<bool> {
    let me = &who.person.id;
    if case.assignee_id.as_ref() == Some(me) {
        return Ok(true);
    }
    Ok(match who.role {
        Role::Admin | Role::Manager => in_scope(who, facts),
        Role::Rep => {
            facts.note.rep_id.as_ref() == Some(me)
                && settings::number(conn, settings::REPS_HANDLE_CASES)? != 0
        }
    })
}

/// Why this person may not reply to this note's customer, if they may not (the outer error
/// is the database's).
pub fn reply_refusal(
    conn: &mut DbConn,
    who: &Acting<'_>,
    facts: &NoteFacts,
) -> StoreResult<Option<StoreError>> {
    if !in_scope(who, facts) {
        return Ok(Some(StoreError::NotFound));
    }
    let refuse = |why: &str| Ok(Some(StoreError::invalid("message", why)));
    if facts.note.kind != NoteKind::Thanks {
        return refuse("A complaint is answered by resolving its case.");
    }
    if facts.note.status == NoteStatus::Erased || facts.customer().is_none() {
        return refuse("This customer left no email address, so there is no way to reply.");
    }
    if events::count(conn, &facts.note.id, EventKind::Reply)? >= MAX_REPLIES {
        return refuse("Three replies to one note is the limit.");
    }
    Ok(None)
}

/// What the note's page offers this person.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Rights {
    pub acknowledge: bool,
    pub assign: bool,
    pub resolve: bool,
    pub comment: bool,
    pub reply: bool,
    /// When they may not handle the complaint: who does, as a sentence.
    pub handled_by: Option<String>,
}

/// What `who` may do with the note `facts` describes, by the rules the steps check.
pub fn rights(conn: &mut DbConn, who: &Acting<'_>, facts: &NoteFacts) -> StoreResult<Rights> {
    let reply = reply_refusal(conn, who, facts)?.is_none();
    let Some(case) = for_note(conn, &facts.note.id)? else {
        return Ok(Rights {
            reply,
            ..Rights::default()
        });
    };
    if !may_handle(conn, who, facts, &case)? {
        return Ok(Rights {
            reply,
            handled_by: Some(handled_by(conn, who, facts, &case)?),
            ..Rights::default()
        });
    }
    let can = |action| transition(case.status, action).is_ok();
    Ok(Rights {
        acknowledge: can(CaseAction::Acknowledge),
        assign: can(CaseAction::Assign) && who.role != Role::Rep,
        resolve: can(CaseAction::Resolve),
        comment: can(CaseAction::Comment),
        reply,
        handled_by: None,
    })
}

/// "Grace Okafor, your manager, handles this complaint." — the assignee, else the rep's
/// manager, else the team's, else the administrators.
fn handled_by(
    conn: &mut DbConn,
    who: &Acting<'_>,
    facts: &NoteFacts,
    case: &CaseRow,
) -> QueryResult<String> {
    let assignee = match &case.assignee_id {
        Some(id) => active_staff(conn, id)?,
        None => None,
    };
    let handler = match (assignee, &facts.rep, &facts.team) {
        (Some(a), _, _) => Some(a),
        (None, Some(rep), _) => manager_of(conn, rep)?,
        (None, None, Some(team)) => match &team.manager_id {
            Some(id) => active_staff(conn, id)?,
            None => None,
        },
        (None, None, None) => None,
    };
    let Some(handler) = handler else {
        return Ok("An administrator handles this complaint.".into());
    };
    let mine = manager_of(conn, who.person)?.is_some_and(|m| m.id == handler.id);
    Ok(if mine {
        format!("{}, your manager, handles this complaint.", handler.name)
    } else {
        format!("{} handles this complaint.", handler.name)
    })
}
