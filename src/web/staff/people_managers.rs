//! Managers on the people pages: the choice an admin must make for a manager added to (or
//! moved into) a team that already has one, so that nobody lands on an empty inbox
//! unexplained; and co-managers named beside their team's manager.

use std::collections::HashMap;

use diesel::OptionalExtension;
use serde_json::json;

use crate::db::DbConn;
use crate::db::ids::{StaffId, TeamId};
use crate::domain::{Role, TeamName};
use crate::error::{AppError, FieldError};
use crate::store::staff::{self, Staff, StaffUpdate};
use crate::store::teams::{self, Team};

/// What the people form says to do: `co_manager` (co-manage the team), `sub_team` (manage a
/// new sub-team named `sub_team_name`), or nothing yet.
pub struct ManagerPlan<'a> {
    pub choice: &'a str,
    pub sub_team_name: &'a str,
}

/// The sub-team made for a second manager to manage.
pub struct SubTeam {
    pub id: TeamId,
    pub name: TeamName,
}

/// The name of the manager of `team`, if it has one who is not `person`.
fn other_manager(
    c: &mut DbConn,
    team: &Team,
    person: Option<&StaffId>,
) -> Result<Option<String>, AppError> {
    match team.manager_id.as_ref().filter(|m| Some(*m) != person) {
        Some(id) => Ok(Some(
            staff::find(c, id)?.map(|m| m.name).unwrap_or_default(),
        )),
        None => Ok(None),
    }
}

/// A manager joining a team that someone else (not `person`) manages: unless the form says
/// what to do, that is a problem to answer. `co_manager` keeps them on the team as its
/// co-manager; `sub_team` creates a sub-team of it for them to manage (returned).
pub fn second_manager(
    c: &mut DbConn,
    plan: &ManagerPlan<'_>,
    team: &TeamId,
    person: Option<&StaffId>,
) -> Result<Option<SubTeam>, AppError> {
    let team = teams::find(c, team)?;
    let Some(current) = other_manager(c, &team, person)? else {
        return Ok(None);
    };
    match plan.choice {
        "co_manager" => Ok(None),
        "sub_team" => {
            let name = TeamName::parse(plan.sub_team_name)
                .map_err(|e| AppError::Invalid(vec![FieldError::new("sub_team_name", e.0)]))?;
            if teams::find_by_name(c, &name)?.is_some() {
                let message = format!("There is already a team named {name}.");
                return Err(AppError::Invalid(vec![FieldError::new(
                    "sub_team_name",
                    message,
                )]));
            }
            let id = teams::create(c, &name, Some(&team.id))?.id;
            Ok(Some(SubTeam { id, name }))
        }
        _ => {
            let message = format!(
                "{} is already managed by {current}. Choose below: co-manager of {}, or \
                 manager of a new sub-team of it.",
                team.name, team.name
            );
            Err(AppError::Invalid(vec![FieldError::new(
                "manager_plan",
                message,
            )]))
        }
    }
}

/// An edit that makes someone a manager of a team, or moves a manager to another team: a
/// team someone else manages asks the same choice as adding them (a sub-team becomes their
/// team, managed by them); a team with no manager gets them as its manager, as when added.
pub fn on_edit(
    c: &mut DbConn,
    plan: &ManagerPlan<'_>,
    before: &Staff,
    change: &mut StaffUpdate,
) -> Result<(), AppError> {
    let Some(team) = change.team_id.clone() else {
        return Ok(());
    };
    let joins = before.role != Role::Manager || before.team_id.as_ref() != Some(&team);
    if change.role != Role::Manager || !joins {
        return Ok(());
    }
    if let Some(sub) = second_manager(c, plan, &team, Some(&before.id))? {
        teams::set_manager(c, &sub.id, &before.id)?;
        change.team_id = Some(sub.id);
    } else if teams::find(c, &team)?.manager_id.is_none() {
        teams::set_manager(c, &team, &before.id)?;
    }
    Ok(())
}

/// What the choice names: the team chosen on the form and its manager, when it has one
/// other than `person`.
pub fn plan_context(
    c: &mut DbConn,
    team: &str,
    person: Option<&StaffId>,
) -> Result<Option<serde_json::Value>, AppError> {
    let Some(id) = TeamId::parse(team) else {
        return Ok(None);
    };
    let Some(team) = teams::find(c, &id).optional()? else {
        return Ok(None);
    };
    let manager = other_manager(c, &team, person)?;
    Ok(manager.map(|manager| json!({"team": team.name, "manager": manager})))
}

/// Everyone, with their role in words: a co-manager beside their team's manager.
pub fn people_rows(c: &mut DbConn) -> Result<Vec<serde_json::Value>, AppError> {
    let managers: HashMap<_, _> = teams::list(c)?
        .into_iter()
        .filter_map(|t| Some((t.id, t.manager_id?)))
        .collect();
    let everyone = staff::list_all(c)?;
    let name_of = |id: &StaffId| {
        everyone
            .iter()
            .find(|(s, _)| &s.id == id)
            .map(|(s, _)| &s.name)
    };
    Ok(everyone
        .iter()
        .map(|(s, team)| {
            let manager = s.team_id.as_ref().and_then(|t| managers.get(t));
            let role = match manager.filter(|m| teams::co_manages(s.role, &s.id, Some(*m))) {
                Some(m) => format!("Co-manager with {}", name_of(m).map_or("", |n| n)),
                None => s.role.label().to_owned(),
            };
            json!({"id": s.id, "name": s.name, "email": s.email, "role": role,
                   "team": team, "active": s.active, "has_password": s.password_hash.is_some()})
        })
        .collect())
}
