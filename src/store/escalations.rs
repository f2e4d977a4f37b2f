//! Complaints nobody acknowledged in time go up one level: to the manager's manager (the
//! parent team's manager), else to the admins — once per case, whatever the number of
//! instances (the case is marked in the same transaction, and the email has a dedupe key).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::events;
use super::note_facts::{Links, NoteFacts};
use super::responsible::{active_staff, admins, contact, manager_of};
use crate::db::ids::CaseId;
use crate::db::schema::cases;
use crate::db::{DbConn, write_tx};
use crate::domain::routing::Contact;
use crate::domain::{CaseStatus, EventKind};
use crate::mail::compose;
use crate::store::StoreResult;

/// Escalates every overdue case not yet escalated; returns how many.
pub fn escalate_overdue(
    conn: &mut DbConn,
    now: NaiveDateTime,
    links: Links<'_>,
) -> StoreResult<usize> {
    let due: Vec<CaseId> = cases::table
        .filter(cases::status.eq(CaseStatus::Open))
        .filter(cases::escalated_at.is_null())
        .filter(cases::due_at.le(now))
        .order(cases::due_at.asc())
        .limit(500)
        .select(cases::id)
        .load(conn)?;
    let mut done = 0;
    for id in due {
        if write_tx(conn, |conn| escalate(conn, &id, now, links))? {
            done += 1;
        }
    }
    Ok(done)
}

/// Whom an overdue complaint goes to, and who should have answered it.
fn targets(conn: &mut DbConn, facts: &NoteFacts) -> QueryResult<(Vec<Contact>, Option<String>)> {
    let first = match facts.rep.as_ref().filter(|r| r.active) {
        Some(rep) => manager_of(conn, rep)?,
        None => match facts.team.as_ref().and_then(|t| t.manager_id.clone()) {
            Some(id) => active_staff(conn, &id)?,
            None => None,
        },
    };
    let Some(first) = first else {
        return Ok((admins(conn)?, None));
    };
    let above = manager_of(conn, &first)?;
    let to = match above {
        Some(m) => vec![contact(&m)],
        None => admins(conn)?
            .into_iter()
            .filter(|a| a.email != first.email)
            .collect(),
    };
    Ok((to, Some(first.name)))
}

fn escalate(
    conn: &mut DbConn,
    id: &CaseId,
    now: NaiveDateTime,
    links: Links<'_>,
) -> StoreResult<bool> {
    // Claim the escalation: only the instance whose update matches sends it.
    let claimed = diesel::update(
        cases::table
            .filter(cases::id.eq(id))
            .filter(cases::status.eq(CaseStatus::Open))
            .filter(cases::escalated_at.is_null()),
    )
    .set(cases::escalated_at.eq(now))
    .execute(conn)?;
    if claimed == 0 {
        return Ok(false);
    }
    let (note_id, due_at): (crate::db::ids::NoteId, NaiveDateTime) = cases::table
        .find(id)
        .select((cases::note_id, cases::due_at))
        .first(conn)?;
    let Some(facts) = NoteFacts::load(conn, &note_id)? else {
        return Ok(false);
    };
    let (to, manager) = targets(conn, &facts)?;
    let names: Vec<&str> = to.iter().map(|c| c.name.as_str()).collect();
    events::record(
        conn,
        &note_id,
        EventKind::Escalated,
        None,
        Some(&names.join(", ")),
        false,
        now,
    )?;
    for person in &to {
        let email = compose::case_escalated(&facts, links, due_at, manager.as_deref(), person)?;
        let key = format!("case:{id}:escalated:{}", person.email);
        facts.queue(conn, key, person, email)?;
    }
    Ok(true)
}
