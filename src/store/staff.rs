//! Staff members: reps, managers and admins.

use std::collections::HashSet;

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{StaffId, TeamId};
use crate::db::schema::staff;
use crate::domain::{Handle, Role, StaffInput};
use crate::error::FieldError;

use super::audit::{self, Actor};
use super::teams;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = staff)]
pub struct Staff {
    pub id: StaffId,
    pub name: String,
    pub email: String,
    pub handle: String,
    pub role: String,
    pub team_id: Option<TeamId>,
    pub manager_id: Option<StaffId>,
    pub password_hash: Option<String>,
    pub public_naming: bool,
    pub active: bool,
    pub session_epoch: i32,
    pub last_login_at: Option<chrono::NaiveDateTime>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    /// Thank-you notes received, kept with each new note (see the migration that adds it).
    pub thanks_received: i32,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = staff)]
struct NewStaff<'a> {
    id: &'a StaffId,
    name: &'a str,
    email: &'a str,
    handle: &'a str,
    role: &'a str,
    team_id: Option<&'a TeamId>,
    manager_id: Option<&'a StaffId>,
    password_hash: Option<&'a str>,
    public_naming: bool,
    active: bool,
    session_epoch: i32,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<Staff>> {
    staff::table
        .filter(staff::email.eq(email))
        .select(Staff::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_handle(conn: &mut DbConn, handle: &str) -> QueryResult<Option<Staff>> {
    staff::table
        .filter(staff::handle.eq(handle))
        .select(Staff::as_select())
        .first(conn)
        .optional()
}

pub fn any_active_admin(conn: &mut DbConn) -> QueryResult<bool> {
    let n: i64 = staff::table
        .filter(staff::role.eq(Role::Admin.as_str()))
        .filter(staff::active.eq(true))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
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

/// One person to add, with the password hash if they set a password already.
pub struct NewMember {
    pub input: StaffInput,
    pub password_hash: Option<String>,
}

/// Adds everyone or no one: every row is checked (against the database and each other)
/// before anything is written. Run it inside a write transaction.
pub fn add_all(
    conn: &mut DbConn,
    members: &[NewMember],
    actor: &Actor,
) -> Result<Vec<Added>, AddError> {
    let mut errors = Vec::new();
    let mut emails = HashSet::new();
    let mut handles = HashSet::new();
    let mut chosen_handles = Vec::with_capacity(members.len());
    for (index, member) in members.iter().enumerate() {
        let input = &member.input;
        let mut fail = |field: &str, message: String| {
            errors.push(RowError {
                index,
                error: FieldError::new(field, message),
            });
        };
        if !emails.insert(input.email.as_str().to_owned()) {
            fail("email", format!("{} appears twice", input.email));
        } else if find_by_email(conn, input.email.as_str())?.is_some() {
            fail("email", format!("{} already has an account", input.email));
        }
        let handle = match &input.handle {
            Some(handle) => {
                if handles.contains(handle.as_str())
                    || find_by_handle(conn, handle.as_str())?.is_some()
                {
                    fail("handle", format!("the handle {handle} is taken"));
                }
                handle.clone()
            }
            None => unique_handle(conn, &Handle::suggest(input.name.as_str()), &handles)?,
        };
        handles.insert(handle.as_str().to_owned());
        chosen_handles.push(handle);
        if let Some(manager) = &input.manager_email {
            let in_batch = members.iter().any(|m| {
                &m.input.email == manager && matches!(m.input.role, Role::Manager | Role::Admin)
            });
            let in_db = find_by_email(conn, manager.as_str())?
                .is_some_and(|s| s.active && s.role != Role::Rep.as_str());
            if !in_batch && !in_db {
                fail(
                    "manager_email",
                    format!("{manager} is not an active manager or admin"),
                );
            }
        }
    }
    if !errors.is_empty() {
        return Err(AddError::Rows(errors));
    }

    let mut added = Vec::with_capacity(members.len());
    for (member, handle) in members.iter().zip(&chosen_handles) {
        let input = &member.input;
        let mut notes = Vec::new();
        let team = match &input.team {
            Some(name) => Some(match teams::find_by_name(conn, name)? {
                Some(team) => team,
                None => {
                    notes.push(format!("created team {name}"));
                    teams::create(conn, name, None)?
                }
            }),
            None => None,
        };
        let id = StaffId::new();
        let now = super::now();
        diesel::insert_into(staff::table)
            .values(NewStaff {
                id: &id,
                name: input.name.as_str(),
                email: input.email.as_str(),
                handle: handle.as_str(),
                role: input.role.as_str(),
                team_id: team.as_ref().map(|t| &t.id),
                manager_id: None,
                password_hash: member.password_hash.as_deref(),
                public_naming: true,
                active: true,
                session_epoch: 0,
                created_at: now,
                updated_at: now,
            })
            .execute(conn)?;
        if let Some(team) = &team
            && input.role == Role::Manager
            && team.manager_id.is_none()
        {
            teams::set_manager(conn, &team.id, &id)?;
            notes.push(format!("manager of {}", team.name));
        }
        audit::record(
            conn,
            actor,
            "staff.add",
            Some(id.as_str()),
            Some(&format!(
                "{} <{}> as {}",
                input.name, input.email, input.role
            )),
            None,
        )?;
        added.push(Added {
            id,
            name: input.name.to_string(),
            email: input.email.to_string(),
            handle: handle.to_string(),
            role: input.role,
            notes,
        });
    }
    // Managers are linked once everyone exists, so a row may name a manager from a later row.
    for (member, person) in members.iter().zip(&added) {
        if let Some(manager) = &member.input.manager_email
            && let Some(manager) = find_by_email(conn, manager.as_str())?
        {
            diesel::update(staff::table.find(&person.id))
                .set(staff::manager_id.eq(&manager.id))
                .execute(conn)?;
        }
    }
    Ok(added)
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

/// A person as customers see them when looking for whom to thank.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RepProfile {
    pub handle: String,
    pub name: String,
    pub first_name: String,
    pub initials: String,
    pub team: Option<String>,
    /// Whether they agreed to be named on the public wall.
    pub public_naming: bool,
}

impl RepProfile {
    fn new(handle: String, name: String, team: Option<String>, public_naming: bool) -> Self {
        let first_name = name.split(' ').next().unwrap_or_default().to_owned();
        let initials: String = name
            .split(' ')
            .filter_map(|w| w.chars().next())
            .take(2)
            .flat_map(char::to_uppercase)
            .collect();
        Self {
            handle,
            name,
            first_name,
            initials,
            team,
            public_naming,
        }
    }
}

type ProfileRow = (String, String, Option<String>, bool);

type ProfileColumns = (
    staff::handle,
    staff::name,
    diesel::dsl::Nullable<crate::db::schema::teams::name>,
    staff::public_naming,
);
type ProfileQuery = diesel::dsl::Select<
    diesel::dsl::LeftJoin<staff::table, crate::db::schema::teams::table>,
    ProfileColumns,
>;

fn profile_query() -> ProfileQuery {
    use crate::db::schema::teams;
    staff::table.left_join(teams::table).select((
        staff::handle,
        staff::name,
        teams::name.nullable(),
        staff::public_naming,
    ))
}

/// An active staff member customers can thank, by handle.
pub fn profile(conn: &mut DbConn, handle: &str) -> QueryResult<Option<RepProfile>> {
    let row: Option<ProfileRow> = profile_query()
        .filter(staff::handle.eq(handle))
        .filter(staff::active.eq(true))
        .first(conn)
        .optional()?;
    Ok(row.map(|(h, n, t, p)| RepProfile::new(h, n, t, p)))
}

/// Active staff whose name or handle contains `query` (any case), best matches first: only
/// people customers can thank — reps and managers, and anyone on a team — never an admin
/// who serves no team.
pub fn search(conn: &mut DbConn, query: &str, limit: i64) -> QueryResult<Vec<RepProfile>> {
    let needle: String = query.trim().to_lowercase().chars().take(60).collect();
    if needle.is_empty() {
        return Ok(Vec::new());
    }
    let escaped = needle
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let pattern = format!("%{escaped}%");
    let prefix = format!("{escaped}%");
    let rows: Vec<ProfileRow> = profile_query()
        .filter(staff::active.eq(true))
        .filter(
            staff::team_id
                .is_not_null()
                .or(staff::role.eq_any(["rep", "manager"])),
        )
        .filter(
            super::lower(staff::name)
                .like(&pattern)
                .escape('\\')
                .or(staff::handle.like(&pattern).escape('\\')),
        )
        .order((
            super::lower(staff::name).like(prefix).escape('\\').desc(),
            staff::name.asc(),
        ))
        .limit(limit)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(h, n, t, p)| RepProfile::new(h, n, t, p))
        .collect())
}

pub fn find(conn: &mut DbConn, id: &StaffId) -> QueryResult<Option<Staff>> {
    staff::table
        .find(id)
        .select(Staff::as_select())
        .first(conn)
        .optional()
}

/// Records a sign-in.
pub fn touch_login(conn: &mut DbConn, id: &StaffId) -> QueryResult<()> {
    diesel::update(staff::table.find(id))
        .set(staff::last_login_at.eq(super::now()))
        .execute(conn)
        .map(drop)
}

/// Ends every session of this person (sign-out, deactivation, password change).
pub fn end_sessions(conn: &mut DbConn, id: &StaffId) -> QueryResult<()> {
    diesel::update(staff::table.find(id))
        .set((
            staff::session_epoch.eq(staff::session_epoch + 1),
            staff::updated_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

/// Whether this person agrees to be named on the public wall.
pub fn set_public_naming(conn: &mut DbConn, id: &StaffId, allowed: bool) -> QueryResult<()> {
    diesel::update(staff::table.find(id))
        .set((
            staff::public_naming.eq(allowed),
            staff::updated_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

/// Sets a new password hash and ends every existing session.
pub fn set_password(conn: &mut DbConn, id: &StaffId, hash: &str) -> QueryResult<()> {
    diesel::update(staff::table.find(id))
        .set((
            staff::password_hash.eq(hash),
            staff::session_epoch.eq(staff::session_epoch + 1),
            staff::updated_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

/// Everyone, with their team's name, by name.
pub fn list_all(conn: &mut DbConn) -> QueryResult<Vec<(Staff, Option<String>)>> {
    use crate::db::schema::teams;
    staff::table
        .left_join(teams::table)
        .order(staff::name.asc())
        .select((Staff::as_select(), teams::name.nullable()))
        .load(conn)
}

/// A staff member's editable details, already validated.
pub struct StaffUpdate {
    pub name: String,
    pub email: String,
    pub handle: String,
    pub role: Role,
    pub team_id: Option<TeamId>,
    pub manager_id: Option<StaffId>,
}

/// Saves new details; an email or handle someone else has is refused by field.
pub fn update(conn: &mut DbConn, id: &StaffId, change: &StaffUpdate) -> Result<(), AddError> {
    let mut errors = Vec::new();
    if find_by_email(conn, &change.email)?.is_some_and(|s| &s.id != id) {
        errors.push(RowError {
            index: 0,
            error: FieldError::new("email", format!("{} already has an account", change.email)),
        });
    }
    if find_by_handle(conn, &change.handle)?.is_some_and(|s| &s.id != id) {
        errors.push(RowError {
            index: 0,
            error: FieldError::new("handle", format!("the handle {} is taken", change.handle)),
        });
    }
    if change.manager_id.as_ref() == Some(id) {
        errors.push(RowError {
            index: 0,
            error: FieldError::new("manager", "Nobody is their own manager."),
        });
    }
    if !errors.is_empty() {
        return Err(AddError::Rows(errors));
    }
    diesel::update(staff::table.find(id))
        .set((
            staff::name.eq(&change.name),
            staff::email.eq(&change.email),
            staff::handle.eq(&change.handle),
            staff::role.eq(change.role.as_str()),
            staff::team_id.eq(change.team_id.as_ref()),
            staff::manager_id.eq(change.manager_id.as_ref()),
            staff::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deactivating ends every session; notes and stories stay.
pub fn set_active(conn: &mut DbConn, id: &StaffId, active: bool) -> QueryResult<()> {
    diesel::update(staff::table.find(id))
        .set((
            staff::active.eq(active),
            staff::session_epoch.eq(staff::session_epoch + 1),
            staff::updated_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

/// One more thank-you for this person (in the transaction that stores the note).
pub fn count_thanks(conn: &mut DbConn, id: &StaffId) -> QueryResult<()> {
    diesel::update(staff::table.find(id))
        .set(staff::thanks_received.eq(staff::thanks_received + 1))
        .execute(conn)
        .map(drop)
}

/// Recounts everyone's thank-yous from the notes (after bulk loads).
pub fn recount_thanks(conn: &mut DbConn) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE staff SET thanks_received = (SELECT count(*) FROM feedback \
         WHERE feedback.rep_id = staff.id AND feedback.kind = 'thanks')",
    )
    .execute(conn)
    .map(drop)
}
