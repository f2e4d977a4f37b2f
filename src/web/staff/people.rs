//! Admins manage staff: list, add (with an invitation), edit, deactivate, re-invite, and
//! import a CSV with a preview of every row before anything is written.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{audited, page};
use crate::app::AppState;
use crate::db::ids::{StaffId, TeamId};
use crate::db::{self, DbConn, write_tx};
use crate::domain::{Email, Handle, PersonName, Role, StaffFields, StaffInput, staff_csv};
use crate::error::{AppError, FieldError};
use crate::store::staff::{self, AddError, NewMember, StaffUpdate};
use crate::store::{accounts, audit, teams};
use crate::web::abuse::client_ip;
use crate::web::forms;
use crate::web::session::Viewer;

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct PersonForm {
    #[serde(default, skip_serializing)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    handle: String,
    #[serde(default)]
    manager: String,
    #[serde(default)]
    invite: String,
}

/// Teams and possible managers, for the form's choices.
fn choices(c: &mut DbConn) -> Result<serde_json::Value, AppError> {
    let teams: Vec<_> = teams::list(c)?
        .into_iter()
        .map(|t| json!({"id": t.id, "name": t.name, "active": t.active}))
        .collect();
    let managers: Vec<_> = staff::list_all(c)?
        .into_iter()
        .filter(|(s, _)| s.active && s.role != Role::Rep.as_str())
        .map(|(s, _)| json!({"id": s.id, "name": s.name}))
        .collect();
    let roles: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
    Ok(json!({"teams": teams, "managers": managers, "roles": roles}))
}

fn ip(req: &HttpRequest, state: &AppState) -> Option<String> {
    client_ip(req, &state.settings.trusted_proxies).map(|ip| ip.to_string())
}

async fn render_list(
    state: &AppState,
    viewer: &Viewer,
    form: &PersonForm,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (people, choices) = db::run(&state.pool, |c| {
        let people: Vec<_> = staff::list_all(c)?
            .into_iter()
            .map(|(s, team)| {
                json!({"id": s.id, "name": s.name, "email": s.email, "role": s.role,
                       "team": team, "active": s.active, "has_password": s.password_hash.is_some()})
            })
            .collect();
        Ok((people, choices(c)?))
    })
    .await?;
    let mut ctx = tera::Context::new();
    ctx.insert("people", &people);
    ctx.insert("choices", &choices);
    ctx.insert("form", form);
    forms::insert_errors(&mut ctx, errors);
    let mut res = page("staff/people.html", ctx, viewer, None, "people")?;
    *res.status_mut() = status;
    Ok(res)
}

pub async fn list(state: web::Data<AppState>, viewer: Viewer) -> Result<HttpResponse, AppError> {
    viewer.require(&[Role::Admin])?;
    let form = PersonForm {
        role: "rep".into(),
        invite: "on".into(),
        ..PersonForm::default()
    };
    render_list(&state, &viewer, &form, &[], StatusCode::OK).await
}

/// Team id and manager id from the form, as the names the shared staff logic takes.
fn resolve(c: &mut DbConn, form: &PersonForm) -> Result<(String, String), AppError> {
    let team = match TeamId::parse(&form.team) {
        Some(id) => teams::find(c, &id)?.name,
        None => String::new(),
    };
    let manager = match StaffId::parse(&form.manager) {
        Some(id) => staff::find(c, &id)?.map(|s| s.email).unwrap_or_default(),
        None => String::new(),
    };
    Ok((team, manager))
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    form: web::Form<PersonForm>,
) -> Result<HttpResponse, AppError> {
    viewer.require(&[Role::Admin])?;
    viewer.check_csrf(&state, &form.csrf)?;
    let form = form.into_inner();
    let (actor, inviter, base) = (
        viewer.actor(),
        viewer.staff.name.clone(),
        state.settings.base_url.clone(),
    );
    let ip = ip(&req, &state);
    let submitted = (
        form.name.clone(),
        form.email.clone(),
        form.role.clone(),
        form.handle.clone(),
    );
    let probe = PersonForm {
        team: form.team.clone(),
        manager: form.manager.clone(),
        ..PersonForm::default()
    };
    let invite = form.invite == "on";
    let result = db::run(&state.pool, move |c| {
        write_tx(c, |c| {
            let (team, manager_email) = resolve(c, &probe)?;
            let fields = StaffFields {
                name: submitted.0,
                email: submitted.1,
                role: submitted.2,
                team,
                handle: submitted.3,
                manager_email,
            };
            let input = match StaffInput::parse(&fields) {
                Ok(input) => input,
                Err(errors) => return Ok(Err(errors)),
            };
            let members = [NewMember {
                input,
                password_hash: None,
            }];
            let added = match staff::add_all(c, &members, &actor) {
                Ok(added) => added,
                Err(AddError::Rows(rows)) => {
                    return Ok(Err(rows.into_iter().map(|r| r.error).collect()));
                }
                Err(AddError::Db(e)) => return Err(e.into()),
            };
            let person = staff::find(c, &added[0].id)?.ok_or(AppError::NotFound)?;
            if invite {
                accounts::invite(c, &person, &inviter, &base)?;
                audit::record(
                    c,
                    &actor,
                    "staff.invite",
                    Some(person.id.as_str()),
                    None,
                    ip.as_deref(),
                )?;
            }
            Ok::<_, AppError>(Ok(person.id))
        })
    })
    .await?;
    match result {
        Ok(id) => {
            state.mail_wakeup.notify_one();
            Ok(see_other(&format!("/staff/people/{id}?saved=1")))
        }
        Err(errors) => {
            let errors = rename_fields(errors);
            render_list(
                &state,
                &viewer,
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// The shared logic names `manager_email`; the form names `manager`.
fn rename_fields(errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| match e.field.as_str() {
            "manager_email" => FieldError::new("manager", e.message),
            _ => e,
        })
        .collect()
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to.to_owned()))
        .finish()
}

#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

async fn render_person(
    state: &AppState,
    viewer: &Viewer,
    id: StaffId,
    form: Option<&PersonForm>,
    errors: &[FieldError],
    saved: bool,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (person, choices) = db::run(&state.pool, move |c| {
        let person = staff::find(c, &id)?.ok_or(AppError::NotFound)?;
        Ok((person, choices(c)?))
    })
    .await?;
    let current = PersonForm {
        name: person.name.clone(),
        email: person.email.clone(),
        role: person.role.clone(),
        team: person
            .team_id
            .as_ref()
            .map(|t| t.to_string())
            .unwrap_or_default(),
        handle: person.handle.clone(),
        manager: person
            .manager_id
            .as_ref()
            .map(|m| m.to_string())
            .unwrap_or_default(),
        ..PersonForm::default()
    };
    let mut ctx = tera::Context::new();
    ctx.insert(
        "person",
        &json!({"id": person.id, "name": person.name, "active": person.active,
        "has_password": person.password_hash.is_some()}),
    );
    ctx.insert("form", form.unwrap_or(&current));
    ctx.insert("choices", &choices);
    ctx.insert("saved", &saved);
    forms::insert_errors(&mut ctx, errors);
    let mut res = page("staff/person.html", ctx, viewer, None, "people")?;
    *res.status_mut() = status;
    Ok(res)
}

pub async fn edit(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, AppError> {
    viewer.require(&[Role::Admin])?;
    let id = StaffId::parse(&id).ok_or(AppError::NotFound)?;
    render_person(
        &state,
        &viewer,
        id,
        None,
        &[],
        query.saved.is_some(),
        StatusCode::OK,
    )
    .await
}

fn validate(form: &PersonForm) -> Result<(String, String, String, Role), Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = PersonName::parse(&form.name)
        .map_err(|e| errors.push(FieldError::new("name", e.0)))
        .ok();
    let email = Email::parse(&form.email)
        .map_err(|e| errors.push(FieldError::new("email", e.0)))
        .ok();
    let handle = Handle::parse(&form.handle)
        .map_err(|e| errors.push(FieldError::new("handle", e.0)))
        .ok();
    let role = Role::parse(&form.role)
        .map_err(|e| errors.push(FieldError::new("role", e.0)))
        .ok();
    match (name, email, handle, role) {
        (Some(n), Some(e), Some(h), Some(r)) if errors.is_empty() => {
            Ok((n.to_string(), e.to_string(), h.to_string(), r))
        }
        _ => Err(errors),
    }
}

pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    form: web::Form<PersonForm>,
) -> Result<HttpResponse, AppError> {
    viewer.require(&[Role::Admin])?;
    viewer.check_csrf(&state, &form.csrf)?;
    let id = StaffId::parse(&id).ok_or(AppError::NotFound)?;
    let form = form.into_inner();
    let (name, email, handle, role) = match validate(&form) {
        Ok(v) => v,
        Err(errors) => {
            return render_person(
                &state,
                &viewer,
                id,
                Some(&form),
                &errors,
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let change = StaffUpdate {
        name,
        email,
        handle,
        role,
        team_id: TeamId::parse(&form.team),
        manager_id: StaffId::parse(&form.manager),
    };
    let (actor, ip, target) = (viewer.actor(), ip(&req, &state), id.clone());
    let result = db::run(&state.pool, move |c| {
        write_tx(c, |c| {
            staff::find(c, &target)?.ok_or(AppError::NotFound)?;
            match staff::update(c, &target, &change) {
                Ok(()) => {}
                Err(AddError::Rows(rows)) => {
                    return Ok(Err(rows.into_iter().map(|r| r.error).collect::<Vec<_>>()));
                }
                Err(AddError::Db(e)) => return Err(e.into()),
            }
            audit::record(
                c,
                &actor,
                "staff.update",
                Some(target.as_str()),
                Some(&change.email),
                ip.as_deref(),
            )?;
            Ok::<_, AppError>(Ok(()))
        })
    })
    .await?;
    match result {
        Ok(()) => Ok(see_other(&format!("/staff/people/{id}?saved=1"))),
        Err(errors) => {
            render_person(
                &state,
                &viewer,
                id,
                Some(&form),
                &errors,
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    active: String,
}

pub async fn invite(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AppError> {
    viewer.require(&[Role::Admin])?;
    viewer.check_csrf(&state, &form.csrf)?;
    let id = StaffId::parse(&id).ok_or(AppError::NotFound)?;
    let (inviter, base, target) = (
        viewer.staff.name.clone(),
        state.settings.base_url.clone(),
        id.clone(),
    );
    audited(
        &req,
        &state,
        &viewer,
        "staff.invite",
        id.to_string(),
        move |c| {
            let person = staff::find(c, &target)?
                .filter(|p| p.active)
                .ok_or(AppError::NotFound)?;
            accounts::invite(c, &person, &inviter, &base)
        },
    )
    .await?;
    state.mail_wakeup.notify_one();
    Ok(see_other(&format!("/staff/people/{id}?saved=1")))
}

pub async fn set_active(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AppError> {
    viewer.require(&[Role::Admin])?;
    viewer.check_csrf(&state, &form.csrf)?;
    let id = StaffId::parse(&id).ok_or(AppError::NotFound)?;
    if &id == viewer.id() {
        return Err(AppError::Conflict(
            "You cannot deactivate your own account.".into(),
        ));
    }
    let active = form.active == "1";
    let action = if active {
        "staff.reactivate"
    } else {
        "staff.deactivate"
    };
    let target = id.clone();
    audited(&req, &state, &viewer, action, id.to_string(), move |c| {
        staff::find(c, &target)?.ok_or(AppError::NotFound)?;
        Ok(staff::set_active(c, &target, active)?)
    })
    .await?;
    Ok(see_other(&format!("/staff/people/{id}?saved=1")))
}

#[derive(Debug, Default, Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    csv: String,
    /// `preview` shows what would happen; `import` writes.
    #[serde(default)]
    step: String,
}

pub async fn import_form(
    state: web::Data<AppState>,
    viewer: Viewer,
) -> Result<HttpResponse, AppError> {
    viewer.require(&[Role::Admin])?;
    let _ = &state;
    let mut ctx = tera::Context::new();
    ctx.insert("csv", "name,email,role,team,handle,manager_email\n");
    ctx.insert("rows", &Vec::<()>::new());
    forms::insert_errors(&mut ctx, &[]);
    page("staff/import.html", ctx, &viewer, None, "people")
}

/// Previews every row with its problems; imports (all or nothing) only when asked and clean.
pub async fn import(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    form: web::Form<ImportForm>,
) -> Result<HttpResponse, AppError> {
    viewer.require(&[Role::Admin])?;
    viewer.check_csrf(&state, &form.csrf)?;
    let form = form.into_inner();
    let mut ctx = tera::Context::new();
    ctx.insert("csv", &form.csv);
    let rows = match staff_csv::parse(form.csv.as_bytes()) {
        Ok(rows) => rows,
        Err(problem) => {
            ctx.insert("rows", &Vec::<()>::new());
            forms::insert_errors(&mut ctx, &[FieldError::new("csv", problem)]);
            let mut res = page("staff/import.html", ctx, &viewer, None, "people")?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(res);
        }
    };
    let members: Vec<NewMember> = rows
        .iter()
        .filter_map(|r| r.parsed.as_ref().ok())
        .map(|input| NewMember {
            input: input.clone(),
            password_hash: None,
        })
        .collect();
    let all_parsed = members.len() == rows.len();
    let write = form.step == "import" && all_parsed;
    let (actor, inviter, base, ip) = (
        viewer.actor(),
        viewer.staff.name.clone(),
        state.settings.base_url.clone(),
        ip(&req, &state),
    );
    // Checks against the database run in a transaction that is rolled back for a preview.
    let outcome = db::run(&state.pool, move |c| {
        let result = write_tx(c, |c| {
            let added = match staff::add_all(c, &members, &actor) {
                Ok(added) => added,
                Err(AddError::Rows(rows)) => return Err(ImportStop::Rows(rows)),
                Err(AddError::Db(e)) => return Err(ImportStop::Failed(e.into())),
            };
            if !write {
                return Err(ImportStop::Preview);
            }
            for person in &added {
                let person = staff::find(c, &person.id)
                    .map_err(|e| ImportStop::Failed(e.into()))?
                    .ok_or(ImportStop::Failed(AppError::NotFound))?;
                accounts::invite(c, &person, &inviter, &base).map_err(ImportStop::Failed)?;
            }
            audit::record(
                c,
                &actor,
                "staff.import",
                None,
                Some(&format!("{} people", added.len())),
                ip.as_deref(),
            )
            .map_err(|e| ImportStop::Failed(e.into()))?;
            Ok(added.len())
        });
        match result {
            Ok(n) => Ok(Ok(n)),
            Err(ImportStop::Preview) => Ok(Err(Vec::new())),
            Err(ImportStop::Rows(rows)) => Ok(Err(rows)),
            Err(ImportStop::Failed(e)) => Err(e),
        }
    })
    .await?;
    let conflicts = match outcome {
        Ok(n) => {
            state.mail_wakeup.notify_one();
            return Ok(see_other(&format!("/staff/people?imported={n}")));
        }
        Err(conflicts) => conflicts,
    };
    // Conflicts are by position among the rows that parsed.
    let parsed_lines: Vec<u64> = rows
        .iter()
        .filter(|r| r.parsed.is_ok())
        .map(|r| r.line)
        .collect();
    let preview: Vec<_> = rows
        .iter()
        .map(|r| {
            let mut problems: Vec<String> = match &r.parsed {
                Ok(_) => Vec::new(),
                Err(errors) => errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect(),
            };
            for c in &conflicts {
                if parsed_lines.get(c.index) == Some(&r.line) {
                    problems.push(format!("{}: {}", c.error.field, c.error.message));
                }
            }
            json!({"line": r.line, "name": r.fields.name, "email": r.fields.email, "role": r.fields.role,
                   "team": r.fields.team, "handle": r.fields.handle, "manager": r.fields.manager_email,
                   "problems": problems})
        })
        .collect();
    let clean = all_parsed && conflicts.is_empty();
    ctx.insert("rows", &preview);
    ctx.insert("clean", &clean);
    forms::insert_errors(&mut ctx, &[]);
    let mut res = page("staff/import.html", ctx, &viewer, None, "people")?;
    if !clean {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

enum ImportStop {
    Preview,
    Rows(Vec<staff::RowError>),
    Failed(AppError),
}

impl From<diesel::result::Error> for ImportStop {
    fn from(e: diesel::result::Error) -> Self {
        Self::Failed(e.into())
    }
}
