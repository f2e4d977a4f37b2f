//! Teams: a name, a URL slug, a manager and an optional parent team. A manager who is a
//! member of a team someone else manages is its co-manager ([`co_manages`]).

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{StaffId, TeamId};
use crate::db::schema::teams;
use crate::domain::{Role, TeamName};

use super::{StoreError, StoreResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = teams)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub slug: String,
    pub manager_id: Option<StaffId>,
    pub parent_id: Option<TeamId>,
    pub active: bool,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// Whether a person with `role`, a member of a team managed by `team_manager`, co-manages
/// it: a manager on a team someone else manages. A co-manager sees and handles the team's
/// notes (and its sub-teams') as its manager does; emails keep going to its manager.
pub fn co_manages(role: Role, person: &StaffId, team_manager: Option<&StaffId>) -> bool {
    role == Role::Manager && team_manager.is_some_and(|m| m != person)
}

#[derive(Debug, Insertable)]
#[diesel(table_name = teams)]
struct NewTeam<'a> {
    id: &'a TeamId,
    name: &'a str,
    slug: &'a str,
    manager_id: Option<&'a StaffId>,
    parent_id: Option<&'a TeamId>,
    active: bool,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
}

/// Finds a team by its name (any case) or its slug.
pub fn find_by_name(conn: &mut DbConn, name: &TeamName) -> QueryResult<Option<Team>> {
    let wanted = name.as_str().to_lowercase();
    teams::table
        .filter(
            super::lower(teams::name)
                .eq(wanted)
                .or(teams::slug.eq(name.slug())),
        )
        .select(Team::as_select())
        .first(conn)
        .optional()
}

pub fn find(conn: &mut DbConn, id: &TeamId) -> QueryResult<Team> {
    teams::table.find(id).select(Team::as_select()).first(conn)
}

/// Creates a team; its slug is made unique by a numeric suffix if needed.
pub fn create(conn: &mut DbConn, name: &TeamName, parent: Option<&TeamId>) -> QueryResult<Team> {
    let base = name.slug();
    let mut slug = base.clone();
    let mut n = 2;
    while teams::table
        .filter(teams::slug.eq(&slug))
        .count()
        .get_result::<i64>(conn)?
        > 0
    {
        slug = format!("{base}-{n}");
        n += 1;
    }
    let id = TeamId::new();
    let now = super::now();
    diesel::insert_into(teams::table)
        .values(NewTeam {
            id: &id,
            name: name.as_str(),
            slug: &slug,
            manager_id: None,
            parent_id: parent,
            active: true,
            created_at: now,
            updated_at: now,
        })
        .execute(conn)?;
    find(conn, &id)
}

pub fn set_manager(conn: &mut DbConn, team: &TeamId, manager: &StaffId) -> QueryResult<()> {
    diesel::update(teams::table.find(team))
        .set((
            teams::manager_id.eq(manager),
            teams::updated_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

pub fn set_parent(conn: &mut DbConn, team: &TeamId, parent: &TeamId) -> QueryResult<()> {
    diesel::update(teams::table.find(team))
        .set((
            teams::parent_id.eq(parent),
            teams::updated_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<Team>> {
    teams::table
        .order(teams::name.asc())
        .select(Team::as_select())
        .load(conn)
}

/// Active teams, by name, for customers to choose from.
pub fn list_active(conn: &mut DbConn) -> QueryResult<Vec<Team>> {
    teams::table
        .filter(teams::active.eq(true))
        .order(teams::name.asc())
        .select(Team::as_select())
        .load(conn)
}

/// Renames a team and sets its manager and parent; a parent below the team itself is refused.
pub fn update(
    conn: &mut DbConn,
    id: &TeamId,
    name: &TeamName,
    manager: Option<&StaffId>,
    parent: Option<&TeamId>,
) -> StoreResult<()> {
    if let Some(parent) = parent {
        let mut cursor = Some(parent.clone());
        for _ in 0..64 {
            let Some(current) = cursor else { break };
            if &current == id {
                return Err(StoreError::invalid(
                    "parent",
                    "A team cannot sit under itself or one of its own sub-teams.",
                ));
            }
            cursor = find(conn, &current)?.parent_id;
        }
    }
    if let Some(other) = find_by_name(conn, name)?.filter(|t| &t.id != id) {
        return Err(StoreError::invalid(
            "name",
            format!("There is already a team called {}.", other.name),
        ));
    }
    diesel::update(teams::table.find(id))
        .set((
            teams::name.eq(name.as_str()),
            teams::manager_id.eq(manager),
            teams::parent_id.eq(parent),
            teams::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_active(conn: &mut DbConn, id: &TeamId, active: bool) -> QueryResult<()> {
    diesel::update(teams::table.find(id))
        .set((teams::active.eq(active), teams::updated_at.eq(super::now())))
        .execute(conn)
        .map(drop)
}
