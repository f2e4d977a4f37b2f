//! Admins manage teams: name, manager, parent team; deactivated teams are not offered to
//! customers, but their notes stay.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::done::{self, Done};
use super::{audited, page_with_status};
use crate::app::AppState;
use crate::db::ids::{StaffId, TeamId};
use crate::db::{self, DbConn, write_tx};
use crate::domain::{Role, TeamName};
use crate::error::{AppError, FieldError};
use crate::store::audit::Actor;
use crate::store::{audit, staff, teams};
use crate::web::extract::{Admin, CsrfForm, PathId, Viewer};
use crate::web::forms;

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct TeamForm {
    #[serde(default, skip_serializing)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    manager: String,
    #[serde(default)]
    parent: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    active: String,
}

crate::csrf_field!(TeamForm, ActiveForm);

fn lists(c: &mut DbConn) -> Result<(Vec<serde_json::Value>, Vec<serde_json::Value>), AppError> {
    let all = teams::list(c)?;
    let people = staff::list_all(c)?;
    let name_of = |id: &Option<StaffId>| {
        id.as_ref()
            .and_then(|id| people.iter().find(|(s, _)| &s.id == id))
            .map(|(s, _)| s.name.clone())
    };
    let team_name = |id: &Option<TeamId>| {
        id.as_ref()
            .and_then(|id| all.iter().find(|t| &t.id == id))
            .map(|t| t.name.clone())
    };
    let rows = all
        .iter()
        .map(|t| {
            json!({"id": t.id, "name": t.name, "slug": t.slug, "active": t.active,
                   "manager": name_of(&t.manager_id), "parent": team_name(&t.parent_id)})
        })
        .collect();
    let managers = people
        .iter()
        .filter(|(s, _)| s.active && s.role != Role::Rep)
        .map(|(s, _)| json!({"id": s.id, "name": s.name}))
        .collect();
    Ok((rows, managers))
}

/// The list of teams (with the form to add one), or one team's page.
async fn render(
    state: &AppState,
    viewer: &Viewer,
    team: Option<TeamId>,
    form: &TeamForm,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let template = match team {
        Some(_) => "staff/team.html",
        None => "staff/teams.html",
    };
    let ((rows, managers), current) = db::run(&state.pool, move |c| {
        let current = match &team {
            Some(id) => Some(teams::find(c, id).map_err(AppError::from)?),
            None => None,
        };
        Ok((lists(c)?, current))
    })
    .await?;
    let mut ctx = tera::Context::new();
    ctx.insert("teams", &rows);
    ctx.insert("managers", &managers);
    ctx.insert("form", form);
    ctx.insert(
        "team",
        &current.map(|t| json!({"id": t.id, "name": t.name, "active": t.active})),
    );
    forms::insert_errors(&mut ctx, errors);
    page_with_status(template, ctx, viewer, "teams", status)
}

pub async fn list(state: web::Data<AppState>, viewer: Admin) -> Result<HttpResponse, AppError> {
    let form = TeamForm::default();
    render(&state, &viewer, None, &form, &[], StatusCode::OK).await
}

/// What the form asks for: the name, the manager and the parent team.
type Parsed = (TeamName, Option<StaffId>, Option<TeamId>);

fn parse(form: &TeamForm) -> Result<Parsed, AppError> {
    let name = TeamName::parse(&form.name)
        .map_err(|e| AppError::Invalid(vec![FieldError::new("name", e.0)]))?;
    Ok((
        name,
        StaffId::parse(&form.manager),
        TeamId::parse(&form.parent),
    ))
}

/// Adds the team (a name not taken yet) with its audit entry.
fn add(c: &mut DbConn, team: Parsed, actor: &Actor, ip: Option<&str>) -> Result<(), AppError> {
    let (name, manager, parent) = team;
    write_tx(c, |c| {
        if teams::find_by_name(c, &name)?.is_some() {
            return Err(AppError::Invalid(vec![FieldError::new(
                "name",
                format!("There is already a team called {name}."),
            )]));
        }
        let team = teams::create(c, &name, parent.as_ref())?;
        if manager.is_some() {
            teams::update(c, &team.id, &name, manager.as_ref(), parent.as_ref())?;
        }
        let (subject, detail) = (Some(team.id.as_str()), Some(name.as_str()));
        audit::record(c, actor, "team.create", subject, detail, ip)?;
        Ok(())
    })
}

pub async fn create(
    state: web::Data<AppState>,
    viewer: Admin,
    form: CsrfForm<TeamForm>,
) -> Result<HttpResponse, AppError> {
    let created = match parse(&form) {
        Ok(team) => {
            let (actor, ip) = (viewer.actor(), viewer.ip.text());
            db::run(&state.pool, move |c| add(c, team, &actor, ip.as_deref())).await
        }
        Err(e) => Err(e),
    };
    match created {
        Ok(()) => Ok(done::see_other("/staff/teams", Done::TeamCreated)),
        Err(AppError::Invalid(errors)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render(&state, &viewer, None, &form, &errors, status).await
        }
        Err(e) => Err(e),
    }
}

pub async fn edit(
    state: web::Data<AppState>,
    viewer: Admin,
    id: PathId<TeamId>,
) -> Result<HttpResponse, AppError> {
    let lookup = id.0.clone();
    let team = db::run(&state.pool, move |c| {
        teams::find(c, &lookup).map_err(AppError::from)
    })
    .await?;
    let form = TeamForm {
        name: team.name,
        manager: team.manager_id.map(|m| m.to_string()).unwrap_or_default(),
        parent: team.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        ..TeamForm::default()
    };
    render(&state, &viewer, Some(id.0), &form, &[], StatusCode::OK).await
}

pub async fn update(
    state: web::Data<AppState>,
    viewer: Admin,
    form: CsrfForm<TeamForm>,
    id: PathId<TeamId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let updated = match parse(&form) {
        Ok((name, manager, parent)) => {
            let target = id.clone();
            audited(&state, &viewer, "team.update", id.to_string(), move |c| {
                teams::find(c, &target)?;
                Ok(teams::update(
                    c,
                    &target,
                    &name,
                    manager.as_ref(),
                    parent.as_ref(),
                )?)
            })
            .await
        }
        Err(e) => Err(e),
    };
    match updated {
        Ok(()) => Ok(done::see_other("/staff/teams", Done::TeamSaved)),
        Err(AppError::Invalid(errors)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render(&state, &viewer, Some(id), &form, &errors, status).await
        }
        Err(e) => Err(e),
    }
}

pub async fn set_active(
    state: web::Data<AppState>,
    viewer: Admin,
    form: CsrfForm<ActiveForm>,
    id: PathId<TeamId>,
) -> Result<HttpResponse, AppError> {
    let active = form.active == "1";
    let action = if active {
        "team.reactivate"
    } else {
        "team.deactivate"
    };
    let target = id.0.clone();
    audited(&state, &viewer, action, id.to_string(), move |c| {
        teams::find(c, &target)?;
        Ok(teams::set_active(c, &target, active)?)
    })
    .await?;
    let done = if active {
        Done::Reactivated
    } else {
        Done::TeamDeactivated
    };
    Ok(done::see_other(&format!("/staff/teams/{}", *id), done))
}
