//! What customers see of the staff when looking for whom to thank: a profile by handle, and
//! a search by name or handle.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{staff, teams};
use crate::domain::Role;

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
    /// Their photo's hash, shown only while they agree to be named.
    pub photo: Option<String>,
}

/// The first letters of the first two words of a name: "ML" for Maria Lopez.
pub fn initials(name: &str) -> String {
    name.split(' ')
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

/// What [`profile_query`] loads.
#[derive(Queryable)]
struct ProfileRow {
    handle: String,
    name: String,
    team: Option<String>,
    public_naming: bool,
    photo: Option<String>,
}

impl From<ProfileRow> for RepProfile {
    fn from(row: ProfileRow) -> Self {
        let first_name = row.name.split(' ').next().unwrap_or_default().to_owned();
        let initials = initials(&row.name);
        Self {
            handle: row.handle,
            name: row.name,
            first_name,
            initials,
            team: row.team,
            public_naming: row.public_naming,
            photo: row.photo.filter(|_| row.public_naming),
        }
    }
}

type ProfileColumns = (
    staff::handle,
    staff::name,
    diesel::dsl::Nullable<teams::name>,
    staff::public_naming,
    staff::photo,
);
type ProfileQuery =
    diesel::dsl::Select<diesel::dsl::LeftJoin<staff::table, teams::table>, ProfileColumns>;

fn profile_query() -> ProfileQuery {
    staff::table.left_join(teams::table).select((
        staff::handle,
        staff::name,
        teams::name.nullable(),
        staff::public_naming,
        staff::photo,
    ))
}

/// An active staff member customers can thank, by handle.
pub fn profile(conn: &mut DbConn, handle: &str) -> QueryResult<Option<RepProfile>> {
    let row: Option<ProfileRow> = profile_query()
        .filter(staff::handle.eq(handle))
        .filter(staff::active.eq(true))
        .first(conn)
        .optional()?;
    Ok(row.map(RepProfile::from))
}

/// An active staff member customers can thank (as [`search`] offers them), by handle.
pub fn thankable(conn: &mut DbConn, handle: &str) -> QueryResult<Option<RepProfile>> {
    let row: Option<ProfileRow> = profile_query()
        .filter(staff::handle.eq(handle))
        .filter(staff::active.eq(true))
        .filter(
            staff::team_id
                .is_not_null()
                .or(staff::role.eq_any([Role::Rep, Role::Manager])),
        )
        .first(conn)
        .optional()?;
    Ok(row.map(RepProfile::from))
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
                .or(staff::role.eq_any([Role::Rep, Role::Manager])),
        )
        .filter(
            crate::store::lower(staff::name)
                .like(&pattern)
                .escape('\\')
                .or(staff::handle.like(&pattern).escape('\\')),
        )
        .order((
            crate::store::lower(staff::name)
                .like(prefix)
                .escape('\\')
                .desc(),
            staff::name.asc(),
        ))
        .limit(limit)
        .load(conn)?;
    Ok(rows.into_iter().map(RepProfile::from).collect())
}
