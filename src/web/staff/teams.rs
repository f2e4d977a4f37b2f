//! Admins manage teams: name, manager, parent team; deactivated teams are not offered to
//! customers, but their notes stay.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{audited, page};
use crate::app::AppState;
use crate::db::ids::{StaffId, TeamId};
use crate::db::{self, DbConn, write_tx};
use crate::domain::{Role, TeamName};
use crate::error::{AppError, FieldError};
use crate::store::{audit, staff, teams};
use crate::web::abuse::client_ip;
use crate::web::forms;
use crate::web::session::Viewer;

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
        .filter(|(s, _)| s.active && s.role != Role::Rep.as_str())
        .map(|(s, _)| json!({"id": s.id, "name": s.name}))
        .collect();
    Ok((rows, managers))
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    template: &str,
    team: Option<TeamId>,
    form: &TeamForm,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
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
    let mut res = page(template, ctx, viewer, None, "teams")?;
    *res.status_mut() = status;
    Ok(res)
}

pub async fn list(state: web::Data<AppState>, viewer: Viewer) -> Result<HttpResponse, AppError> {
    viewer.require(&[Role::Admin])?;
    render(
        &state,
        &viewer,
        "staff/teams.html",
        None,
        &TeamForm::default(),
        &[],
        StatusCode::OK,
    )
    .await
}

fn parse(form: &TeamForm) -> Result<(TeamName, Option<StaffId>, Option<TeamId>), Vec<FieldError>> {
    let name = TeamName::parse(&form.name).map_err(|e| vec![FieldError::new("name", e.0)])?;
    Ok((
        name,
        StaffId::parse(&form.manager),
        TeamId::parse(&form.parent),
    ))
}

fn see_other(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to))
        .finish()
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    form: web::Form<TeamForm>,
) -> Result<HttpResponse, AppError> {
    viewer.require(&[Role::Admin])?;
    viewer.check_csrf(&state, &form.csrf)?;
    let form = form.into_inner();
    let (name, manager, parent) = match parse(&form) {
        Ok(v) => v,
        Err(errors) => {
            return render(
                &state,
                &viewer,
                "staff/teams.html",
                None,
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let (actor, ip) = (
        viewer.actor(),
        client_ip(&req, &state.settings.trusted_proxies).map(|i| i.to_string()),
    );
    let created = db::run(&state.pool, move |c| {
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
            audit::record(
                c,
                &actor,
                "team.create",
                Some(team.id.as_str()),
                Some(name.as_str()),
                ip.as_deref(),
            )?;
            Ok(team.id)
        })
    })
    .await;
    match created {
        Ok(_) => Ok(see_other("/staff/teams".into())),
        Err(AppError::Invalid(errors)) => {
            render(
                &state,
                &viewer,
                "staff/teams.html",
                None,
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub async fn edit(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    viewer.require(&[Role::Admin])?;
    let id = TeamId::parse(&id).ok_or(AppError::NotFound)?;
    let lookup = id.clone();
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
    render(
        &state,
        &viewer,
        "staff/team.html",
        Some(id),
        &form,
        &[],
        StatusCode::OK,
    )
    .await
}

pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    form: web::Form<TeamForm>,
) -> Result<HttpResponse, AppError> {
    viewer.require(&[Role::Admin])?;
    viewer.check_csrf(&state, &form.csrf)?;
    let id = TeamId::parse(&id).ok_or(AppError::NotFound)?;
    let form = form.into_inner();
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let (name, manager, parent) = match parse(&form) {
        Ok(v) => v,
        Err(errors) => {
            return render(
                &state,
                &viewer,
                "staff/team.html",
                Some(id),
                &form,
                &errors,
                unprocessable,
            )
            .await;
        }
    };
    let target = id.clone();
    let result = audited(
        &req,
        &state,
        &viewer,
        "team.update",
        id.to_string(),
        move |c| {
            teams::find(c, &target)?;
            teams::update(c, &target, &name, manager.as_ref(), parent.as_ref())
        },
    )
    .await;
    match result {
        Ok(()) => Ok(see_other("/staff/teams".into())),
        Err(AppError::Invalid(errors)) => {
            render(
                &state,
                &viewer,
                "staff/team.html",
                Some(id),
                &form,
                &errors,
                unprocessable,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    active: String,
}

pub async fn set_active(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    form: web::Form<ActiveForm>,
) -> Result<HttpResponse, AppError> {
    viewer.require(&[Role::Admin])?;
    viewer.check_csrf(&state, &form.csrf)?;
    let id = TeamId::parse(&id).ok_or(AppError::NotFound)?;
    let active = form.active == "1";
    let action = if active {
        "team.reactivate"
    } else {
        "team.deactivate"
    };
    let target = id.clone();
    audited(&req, &state, &viewer, action, id.to_string(), move |c| {
        teams::find(c, &target)?;
        Ok(teams::set_active(c, &target, active)?)
    })
    .await?;
    Ok(see_other(format!("/staff/teams/{id}")))
}
