//! Who answers for whom: a person's manager (their own, else their team's, else up the
//! parent teams), a team's manager, and the active admins (the rules in `domain::routing`).

use diesel::prelude::*;

use super::staff::Staff;
use crate::db::DbConn;
use crate::db::ids::{StaffId, TeamId};
use crate::db::schema::{staff, teams};
use crate::domain::Role;
use crate::domain::routing::Contact;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = teams)]
pub struct TeamRow {
    pub id: TeamId,
    pub name: String,
    pub manager_id: Option<StaffId>,
    pub parent_id: Option<TeamId>,
}

pub fn team(conn: &mut DbConn, id: &TeamId) -> QueryResult<Option<TeamRow>> {
    teams::table
        .find(id)
        .select(TeamRow::as_select())
        .first(conn)
        .optional()
}

pub fn active_staff(conn: &mut DbConn, id: &StaffId) -> QueryResult<Option<Staff>> {
    staff::table
        .find(id)
        .filter(staff::active.eq(true))
        .select(Staff::as_select())
        .first(conn)
        .optional()
}

pub fn contact(s: &Staff) -> Contact {
    Contact::new(&s.name, &s.email)
}

/// A person's manager: their own if set, else their team's, else up the parent teams
/// (never themselves, never someone inactive).
pub fn manager_of(conn: &mut DbConn, person: &Staff) -> QueryResult<Option<Staff>> {
    if let Some(id) = &person.manager_id
        && let Some(manager) = active_staff(conn, id)?.filter(|m| m.id != person.id)
    {
        return Ok(Some(manager));
    }
    let mut next = person.team_id.clone();
    for _ in 0..16 {
        let Some(current) = next
            .as_ref()
            .map(|id| team(conn, id))
            .transpose()?
            .flatten()
        else {
            break;
        };
        if let Some(id) = current.manager_id.as_ref().filter(|m| **m != person.id)
            && let Some(manager) = active_staff(conn, id)?
        {
            return Ok(Some(manager));
        }
        next = current.parent_id;
    }
    Ok(None)
}

pub fn admins(conn: &mut DbConn) -> QueryResult<Vec<Contact>> {
    let rows: Vec<Staff> = staff::table
        .filter(staff::role.eq(Role::Admin))
        .filter(staff::active.eq(true))
        .order(staff::created_at.asc())
        .select(Staff::as_select())
        .load(conn)?;
    Ok(rows.iter().map(contact).collect())
}
