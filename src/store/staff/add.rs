//! Adding people, one or a whole list (the command line, the setup page, the people page,
//! a CSV import): everyone or no one. Every row is checked against the database and the
//! other rows before anything is written.

use std::collections::HashSet;

use diesel::prelude::*;

use super::{find_by_email, find_by_handle};
use crate::db::DbConn;
use crate::db::ids::{StaffId, TeamId};
use crate::db::schema::staff;
use crate::domain::{Email, FieldError, Handle, Role, StaffInput, TeamName, close_matches};
use crate::store::audit::{self, Actor};
use crate::store::teams::{self, Team};
use crate::store::{StoreError, now};

#[derive(Debug, Insertable)]
#[diesel(table_name = staff)]
struct NewStaff<'a> {
    id: &'a StaffId,
    name: &'a str,
    email: &'a str,
    handle: &'a str,
    role: Role,
    team_id: Option<&'a TeamId>,
    manager_id: Option<&'a StaffId>,
    password_hash: Option<&'a str>,
    public_naming: bool,
    active: bool,
    session_epoch: i32,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
}

impl<'a> NewStaff<'a> {
    /// A new member as stored: active, named in public, without a manager yet.
    fn of(
        id: &'a StaffId,
        member: &'a NewMember,
        handle: &'a Handle,
        team_id: Option<&'a TeamId>,
    ) -> Self {
        let now = now();
        Self {
            id,
            name: member.input.name.as_str(),
            email: member.input.email.as_str(),
            handle: handle.as_str(),
            role: member.input.role,
            team_id,
            manager_id: None,
            password_hash: member.password_hash.as_deref(),
            public_naming: true,
            active: true,
            session_epoch: 0,
            created_at: now,
            updated_at: now,
        }
    }
}

/// What was done for one added person, for the caller to report.
#[derive(Debug, Clone)]
pub struct Added {
    pub id: StaffId,
    pub name: String,
    pub email: String,
    pub handle: String,
    pub role: Role,
    pub notes: Vec<String>,
}

/// A problem with one input, by its position in the list given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub index: usize,
    pub error: FieldError,
}

#[derive(Debug, thiserror::Error)]
pub enum AddError {
    #[error("{} problem(s) in the input", .0.len())]
    Rows(Vec<RowError>),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// For a caller that adds one person: the problems by field, without positions.
impl From<AddError> for StoreError {
    fn from(err: AddError) -> Self {
        match err {
            AddError::Rows(rows) => Self::Invalid(rows.into_iter().map(|r| r.error).collect()),
            AddError::Db(err) => Self::Db(err),
        }
    }
}

/// One person to add, with the password hash if they set a password already.
pub struct NewMember {
    pub input: StaffInput,
    pub password_hash: Option<String>,
}

/// Whether adding people may create the teams they name that do not exist yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewTeams {
    /// A team that does not exist is created (first set-up, demo data, an explicit flag).
    Create,
    /// A team that does not exist is created, unless its name is close to one that does (a
    /// likely slip, like "Biling" beside "Billing"): then it is a problem of its row, naming
    /// the close matches. A first import on an empty database still creates every team.
    Guarded,
}

/// Adds everyone or no one, creating the teams they name: see [`add_all_with`].
pub fn add_all(
    conn: &mut DbConn,
    members: &[NewMember],
    actor: &Actor,
) -> Result<Vec<Added>, AddError> {
    add_all_with(conn, members, actor, NewTeams::Create)
}

/// Adds everyone or no one: every row is checked (against the database and each other)
/// before anything is written. Run it inside a write transaction.
pub fn add_all_with(
    conn: &mut DbConn,
    members: &[NewMember],
    actor: &Actor,
    new_teams: NewTeams,
) -> Result<Vec<Added>, AddError> {
    let handles = check_all(conn, members, new_teams)?;
    let added = members
        .iter()
        .zip(&handles)
        .map(|(member, handle)| insert(conn, member, handle, actor))
        .collect::<QueryResult<Vec<_>>>()?;
    link_managers(conn, members, &added)?;
    Ok(added)
}

/// The emails and handles the rows checked so far take, so a list cannot repeat one.
#[derive(Default)]
struct Taken {
    emails: HashSet<String>,
    handles: HashSet<String>,
}

/// Every row's problems, or the handle each row gets.
fn check_all(
    conn: &mut DbConn,
    members: &[NewMember],
    new_teams: NewTeams,
) -> Result<Vec<Handle>, AddError> {
    let mut taken = Taken::default();
    let mut handles = Vec::with_capacity(members.len());
    let mut errors = Vec::new();
    for (index, member) in members.iter().enumerate() {
        let mut problems = Vec::new();
        handles.push(check(
            conn,
            members,
            &member.input,
            &mut taken,
            &mut problems,
        )?);
        if new_teams == NewTeams::Guarded
            && let Some(team) = &member.input.team
        {
            problems.extend(missing_team(conn, team)?);
        }
        errors.extend(problems.into_iter().map(|error| RowError { index, error }));
    }
    if errors.is_empty() {
        Ok(handles)
    } else {
        Err(AddError::Rows(errors))
    }
}

/// One row's problems (added to `problems`), and the handle it gets.
fn check(
    conn: &mut DbConn,
    members: &[NewMember],
    input: &StaffInput,
    taken: &mut Taken,
    problems: &mut Vec<FieldError>,
) -> QueryResult<Handle> {
    let email = &input.email;
    if !taken.emails.insert(email.as_str().to_owned()) {
        problems.push(FieldError::new("email", format!("{email} appears twice")));
    } else if find_by_email(conn, email.as_str())?.is_some() {
        let message = format!("{email} already has an account");
        problems.push(FieldError::new("email", message));
    }
    let handle = match &input.handle {
        Some(handle) => {
            if taken.handles.contains(handle.as_str())
                || find_by_handle(conn, handle.as_str())?.is_some()
            {
                let message = format!("the handle {handle} is taken");
                problems.push(FieldError::new("handle", message));
            }
            handle.clone()
        }
        None => unique_handle(conn, &Handle::suggest(input.name.as_str()), &taken.handles)?,
    };
    taken.handles.insert(handle.as_str().to_owned());
    if let Some(manager) = &input.manager_email
        && !can_manage(conn, members, manager)?
    {
        let message = format!("{manager} is not an active manager or admin");
        problems.push(FieldError::new("manager_email", message));
    }
    Ok(handle)
}

/// The problem with naming a team that does not exist, if it does not: with the close
/// matches, and how to create it instead.
fn missing_team(conn: &mut DbConn, name: &TeamName) -> QueryResult<Option<FieldError>> {
    if teams::find_by_name(conn, name)?.is_some() {
        return Ok(None);
    }
    let known = teams::list(conn)?;
    let close = close_matches(name.as_str(), known.iter().map(|t| t.name.as_str()));
    let message = match close.as_slice() {
        [] => return Ok(None),
        [one] => format!("there is no team named {name} (did you mean {one}?)"),
        many => format!(
            "there is no team named {name} (did you mean one of {}?)",
            many.join(", ")
        ),
    };
    Ok(Some(FieldError::new("team", message)))
}

/// Whether `email` is a manager or admin in the list, or an active one already here.
fn can_manage(conn: &mut DbConn, members: &[NewMember], email: &Email) -> QueryResult<bool> {
    let in_list = members
        .iter()
        .any(|m| &m.input.email == email && matches!(m.input.role, Role::Manager | Role::Admin));
    Ok(in_list
        || find_by_email(conn, email.as_str())?.is_some_and(|s| s.active && s.role != Role::Rep))
}

/// `base`, or `base-2`, `base-3`... whichever is free in the database and in `taken`.
fn unique_handle(conn: &mut DbConn, base: &Handle, taken: &HashSet<String>) -> QueryResult<Handle> {
    let mut n = 2;
    let mut candidate = base.clone();
    while taken.contains(candidate.as_str()) || find_by_handle(conn, candidate.as_str())?.is_some()
    {
        let suffix = format!("-{n}");
        let stem: String = base
            .as_str()
            .chars()
            .take(Handle::MAX_LEN - suffix.len())
            .collect();
        candidate = Handle::parse(&format!("{}{suffix}", stem.trim_end_matches('-')))
            .unwrap_or_else(|_| base.clone());
        n += 1;
    }
    Ok(candidate)
}

/// Writes one checked row: the person, their team (created if new; a new manager manages
/// a team that has none, and co-manages one that has a manager), and the audit entry.
fn insert(
    conn: &mut DbConn,
    member: &NewMember,
    handle: &Handle,
    actor: &Actor,
) -> QueryResult<Added> {
    let input = &member.input;
    let mut notes = Vec::new();
    let team = match &input.team {
        Some(name) => Some(team_named(conn, name, &mut notes)?),
        None => None,
    };
    let id = StaffId::new();
    let team_id = team.as_ref().map(|t| &t.id);
    diesel::insert_into(staff::table)
        .values(NewStaff::of(&id, member, handle, team_id))
        .execute(conn)?;
    if let Some(team) = &team
        && input.role == Role::Manager
    {
        match &team.manager_id {
            None => {
                teams::set_manager(conn, &team.id, &id)?;
                notes.push(format!("manager of {}", team.name));
            }
            Some(manager) => {
                let manager = super::find(conn, manager)?
                    .map(|m| m.name)
                    .unwrap_or_default();
                notes.push(format!(
                    "co-manager of {}: sees and handles its notes as {manager} does; emails \
                     about them still go to {manager}",
                    team.name
                ));
            }
        }
    }
    let detail = format!("{} <{}> as {}", input.name, input.email, input.role);
    audit::record(
        conn,
        actor,
        "staff.add",
        Some(id.as_str()),
        Some(&detail),
        None,
    )?;
    Ok(Added {
        id,
        name: input.name.to_string(),
        email: input.email.to_string(),
        handle: handle.to_string(),
        role: input.role,
        notes,
    })
}

/// The team of that name, created (and noted) if there is none.
fn team_named(conn: &mut DbConn, name: &TeamName, notes: &mut Vec<String>) -> QueryResult<Team> {
    if let Some(team) = teams::find_by_name(conn, name)? {
        return Ok(team);
    }
    notes.push(format!("created team {name}"));
    teams::create(conn, name, None)
}

/// Managers are linked once everyone exists, so a row may name a manager from a later row.
fn link_managers(conn: &mut DbConn, members: &[NewMember], added: &[Added]) -> QueryResult<()> {
    for (member, person) in members.iter().zip(added) {
        if let Some(manager) = &member.input.manager_email
            && let Some(manager) = find_by_email(conn, manager.as_str())?
        {
            diesel::update(staff::table.find(&person.id))
                .set(staff::manager_id.eq(&manager.id))
                .execute(conn)?;
        }
    }
    Ok(())
}
