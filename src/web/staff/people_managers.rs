//! A manager added to a team that already has a manager: the choice the admin must make, so
//! that nobody lands on an empty inbox unexplained.

use crate::db::DbConn;
use crate::db::ids::TeamId;
use crate::domain::TeamName;
use crate::error::{AppError, FieldError};
use crate::store::{staff, teams};

/// What the people form says to do: `sub_team` (manage a new sub-team named
/// `sub_team_name`), `member` (join without managing, knowingly), or nothing yet.
pub struct ManagerPlan<'a> {
    pub choice: &'a str,
    pub sub_team_name: &'a str,
}

/// A manager added to a team that already has one would see no notes (a team has one
/// manager, whose inbox is the team's). Unless the form says what to do, that is a problem
/// to answer; `sub_team` creates a sub-team of it for them to manage (its name returned),
/// `member` adds them to the team without managing it.
pub fn second_manager(
    c: &mut DbConn,
    plan: &ManagerPlan<'_>,
    team: &TeamId,
) -> Result<Option<TeamName>, AppError> {
    let team = teams::find(c, team)?;
    let Some(manager) = team.manager_id.as_ref() else {
        return Ok(None);
    };
    match plan.choice {
        "member" => Ok(None),
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
            teams::create(c, &name, Some(&team.id))?;
            Ok(Some(name))
        }
        _ => {
            let current = staff::find(c, manager)?.map(|m| m.name).unwrap_or_default();
            let message = format!(
                "{} is already managed by {current}; a second manager there would see no notes. Choose below.",
                team.name
            );
            Err(AppError::Invalid(vec![FieldError::new(
                "manager_plan",
                message,
            )]))
        }
    }
}
