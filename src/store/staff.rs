//! Staff members: reps, managers and admins — finding them, their sessions and settings,
//! and changing their details. Adding people is in [`add`], what customers see of them in
//! [`profiles`].

mod add;
mod profiles;

use diesel::prelude::*;

pub use add::{AddError, Added, NewMember, NewTeams, RowError, add_all, add_all_with};
pub use profiles::{RepProfile, initials, profile, search, thankable};

use super::{StoreError, StoreResult};
use crate::db::DbConn;
use crate::db::ids::{StaffId, TeamId};
use crate::db::schema::staff;
use crate::domain::{FieldError, NoteKind, Role};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = staff)]
pub struct Staff {
    pub id: StaffId,
    pub name: String,
    pub email: String,
    pub handle: String,
    pub role: Role,
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
    /// Their photo's hash (see `store::pictures`), if they uploaded one.
    pub photo: Option<String>,
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
        .filter(staff::role.eq(Role::Admin))
        .filter(staff::active.eq(true))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
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

/// What ends every session of a person: a new epoch (their session cookies carry the old).
#[diesel::dsl::auto_type(no_type_alias)]
fn new_epoch() -> _ {
    let now: chrono::NaiveDateTime = super::now();
    (
        staff::session_epoch.eq(staff::session_epoch + 1_i32),
        staff::updated_at.eq(now),
    )
}

/// Ends every session of this person (sign-out, deactivation, password change).
pub fn end_sessions(conn: &mut DbConn, id: &StaffId) -> QueryResult<()> {
    diesel::update(staff::table.find(id))
        .set(new_epoch())
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
        .set((staff::password_hash.eq(hash), new_epoch()))
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
#[derive(AsChangeset)]
#[diesel(table_name = staff, treat_none_as_null = true)]
pub struct StaffUpdate {
    pub name: String,
    pub email: String,
    pub handle: String,
    pub role: Role,
    pub team_id: Option<TeamId>,
    pub manager_id: Option<StaffId>,
}

/// Saves new details; an email or handle someone else has is refused by field.
pub fn update(conn: &mut DbConn, id: &StaffId, change: &StaffUpdate) -> StoreResult<()> {
    let mut errors = Vec::new();
    if find_by_email(conn, &change.email)?.is_some_and(|s| &s.id != id) {
        let message = format!("{} already has an account", change.email);
        errors.push(FieldError::new("email", message));
    }
    if find_by_handle(conn, &change.handle)?.is_some_and(|s| &s.id != id) {
        let message = format!("the handle {} is taken", change.handle);
        errors.push(FieldError::new("handle", message));
    }
    if change.manager_id.as_ref() == Some(id) {
        errors.push(FieldError::new("manager", "Nobody is their own manager."));
    }
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    diesel::update(staff::table.find(id))
        .set((change, staff::updated_at.eq(super::now())))
        .execute(conn)?;
    Ok(())
}

/// Deactivating ends every session; notes and stories stay.
pub fn set_active(conn: &mut DbConn, id: &StaffId, active: bool) -> QueryResult<()> {
    diesel::update(staff::table.find(id))
        .set((staff::active.eq(active), new_epoch()))
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
    diesel::sql_query(format!(
        "UPDATE staff SET thanks_received = (SELECT count(*) FROM notes \
         WHERE notes.rep_id = staff.id AND notes.kind = '{}')",
        NoteKind::Thanks.as_str()
    ))
    .execute(conn)
    .map(drop)
}
