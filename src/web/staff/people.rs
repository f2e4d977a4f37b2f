//! Admins manage staff: list, add (with an invitation), edit, deactivate and re-invite.
//! Importing a CSV is `people_import`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::done::{self, Done};
use super::people_managers::{self as managers, ManagerPlan};
use super::{audited, page_with_status};
use crate::app::AppState;
use crate::db::ids::{StaffId, TeamId};
use crate::db::{self, DbConn, write_tx};
use crate::domain::{Email, Handle, PersonName, Role, StaffFields, StaffInput};
use crate::error::{AppError, FieldError};
use crate::store::StoreError;
use crate::store::audit::{self, Actor};
use crate::store::staff::{self, NewMember, StaffUpdate};
use crate::store::{accounts, teams};
use crate::web::extract::{Admin, CsrfForm, PathId, Viewer};
use crate::web::forms;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
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
    /// For a manager joining a team that has one: `co_manager` (co-manage it) or `sub_team`
    /// (manage a new sub-team of it named `sub_team_name`).
    #[serde(default)]
    manager_plan: String,
    #[serde(default)]
    sub_team_name: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    active: String,
}

crate::csrf_field!(PersonForm, ActionForm);

impl PersonForm {
    /// What the form says to do about a team that has a manager already.
    fn plan(&self) -> ManagerPlan<'_> {
        ManagerPlan {
            choice: &self.manager_plan,
            sub_team_name: &self.sub_team_name,
        }
    }
}

/// The admin at work, as the audit log and the invitation email name them.
pub struct Inviting {
    pub actor: Actor,
    pub inviter: String,
    pub base_url: String,
    pub ip: Option<String>,
}

impl Inviting {
    pub fn new(state: &AppState, viewer: &Viewer) -> Self {
        Self {
            actor: viewer.actor(),
            inviter: viewer.staff.name.clone(),
            base_url: state.settings.base_url.clone(),
            ip: viewer.ip.text(),
        }
    }
}

/// Teams and possible managers, for the form's choices.
fn choices(c: &mut DbConn) -> Result<serde_json::Value, AppError> {
    let teams: Vec<_> = teams::list(c)?
        .into_iter()
        .map(|t| json!({"id": t.id, "name": t.name, "active": t.active}))
        .collect();
    let managers: Vec<_> = staff::list_all(c)?
        .into_iter()
        .filter(|(s, _)| s.active && s.role != Role::Rep)
        .map(|(s, _)| json!({"id": s.id, "name": s.name}))
        .collect();
    let roles: Vec<_> = Role::ALL
        .iter()
        .map(|r| json!({"value": r.as_str(), "label": r.label()}))
        .collect();
    Ok(json!({"teams": teams, "managers": managers, "roles": roles}))
}

async fn render_list(
    state: &AppState,
    viewer: &Viewer,
    form: &PersonForm,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let team = form.team.clone();
    let (people, choices, plan_team) = db::run(&state.pool, move |c| {
        let plan_team = managers::plan_context(c, &team, None)?;
        Ok((managers::people_rows(c)?, choices(c)?, plan_team))
    })
    .await?;
    let mut ctx = tera::Context::new();
    ctx.insert("people", &people);
    ctx.insert("choices", &choices);
    ctx.insert("plan_team", &plan_team);
    ctx.insert("form", form);
    forms::insert_errors(&mut ctx, errors);
    page_with_status("staff/people.html", ctx, viewer, "people", status)
}

pub async fn list(state: web::Data<AppState>, viewer: Admin) -> Result<HttpResponse, AppError> {
    let form = PersonForm {
        role: Role::Rep.to_string(),
        invite: "on".into(),
        ..PersonForm::default()
    };
    render_list(&state, &viewer, &form, &[], StatusCode::OK).await
}

/// The form as the shared staff logic takes it: team and manager by name and email.
fn fields(c: &mut DbConn, form: &PersonForm) -> Result<StaffFields, AppError> {
    let team = match TeamId::parse(&form.team) {
        Some(id) => teams::find(c, &id)?.name,
        None => String::new(),
    };
    let manager_email = match StaffId::parse(&form.manager) {
        Some(id) => staff::find(c, &id)?.map(|s| s.email).unwrap_or_default(),
        None => String::new(),
    };
    Ok(StaffFields {
        name: form.name.clone(),
        email: form.email.clone(),
        role: form.role.clone(),
        team,
        handle: form.handle.clone(),
        manager_email,
    })
}

/// Adds the person, and invites them when the form asks: their id and whether they were
/// invited, or what to fix (`AppError::Invalid`).
fn add(c: &mut DbConn, form: &PersonForm, who: &Inviting) -> Result<(StaffId, bool), AppError> {
    let mut input = StaffInput::parse(&fields(c, form)?).map_err(AppError::Invalid)?;
    if input.role == Role::Manager
        && let Some(team) = TeamId::parse(&form.team)
        && let Some(sub_team) = managers::second_manager(c, &form.plan(), &team, None)?
    {
        input.team = Some(sub_team.name);
    }
    let members = [NewMember {
        input,
        password_hash: None,
    }];
    let added = staff::add_all(c, &members, &who.actor).map_err(StoreError::from)?;
    let id = added
        .first()
        .map(|a| a.id.clone())
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no one was added")))?;
    let person = staff::find(c, &id)?.ok_or(AppError::NotFound)?;
    if form.invite == "on" {
        accounts::invite(c, &person, &who.inviter, &who.base_url)?;
        let (subject, ip) = (Some(id.as_str()), who.ip.as_deref());
        audit::record(c, &who.actor, "staff.invite", subject, None, ip)?;
    }
    Ok((id, form.invite == "on"))
}

pub async fn create(
    state: web::Data<AppState>,
    viewer: Admin,
    form: CsrfForm<PersonForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let (who, submitted) = (Inviting::new(&state, &viewer), form.clone());
    let added = db::run(&state.pool, move |c| {
        write_tx(c, |c| add(c, &submitted, &who))
    })
    .await;
    match added {
        Ok((id, invited)) => {
            state.mail_wakeup.notify_one();
            let done = if invited {
                Done::Invited
            } else {
                Done::PersonSaved
            };
            Ok(done::see_other(&format!("/staff/people/{id}"), done))
        }
        Err(AppError::Invalid(errors)) => {
            let errors = rename_fields(errors);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_list(&state, &viewer, &form, &errors, status).await
        }
        Err(other) => Err(other),
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

/// A person's page: the form as they are now, or as it was sent with what to fix.
struct PersonPage<'a> {
    form: Option<&'a PersonForm>,
    errors: &'a [FieldError],
    status: StatusCode,
}

impl PersonPage<'_> {
    fn invalid<'a>(form: &'a PersonForm, errors: &'a [FieldError]) -> PersonPage<'a> {
        PersonPage {
            form: Some(form),
            errors,
            status: StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

/// The form filled in with the person as they are.
fn current(person: &crate::store::staff::Staff) -> PersonForm {
    let id_text = |id: Option<String>| id.unwrap_or_default();
    PersonForm {
        name: person.name.clone(),
        email: person.email.clone(),
        role: person.role.to_string(),
        team: id_text(person.team_id.as_ref().map(|t| t.to_string())),
        handle: person.handle.clone(),
        manager: id_text(person.manager_id.as_ref().map(|m| m.to_string())),
        ..PersonForm::default()
    }
}

async fn render_person(
    state: &AppState,
    viewer: &Viewer,
    id: StaffId,
    shown: PersonPage<'_>,
) -> Result<HttpResponse, AppError> {
    let team = shown.form.map(|f| f.team.clone()).unwrap_or_default();
    let (person, choices, plan_team) = db::run(&state.pool, move |c| {
        let person = staff::find(c, &id)?.ok_or(AppError::NotFound)?;
        let plan_team = managers::plan_context(c, &team, Some(&person.id))?;
        Ok((person, choices(c)?, plan_team))
    })
    .await?;
    let mut ctx = tera::Context::new();
    ctx.insert(
        "person",
        &json!({"id": person.id, "name": person.name, "active": person.active,
        "has_password": person.password_hash.is_some()}),
    );
    ctx.insert("form", shown.form.unwrap_or(&current(&person)));
    ctx.insert("choices", &choices);
    ctx.insert("plan_team", &plan_team);
    forms::insert_errors(&mut ctx, shown.errors);
    page_with_status("staff/person.html", ctx, viewer, "people", shown.status)
}

pub async fn edit(
    state: web::Data<AppState>,
    viewer: Admin,
    id: PathId<StaffId>,
) -> Result<HttpResponse, AppError> {
    let shown = PersonPage {
        form: None,
        errors: &[],
        status: StatusCode::OK,
    };
    render_person(&state, &viewer, id.into_inner(), shown).await
}

/// The change the form asks for, or what to fix.
fn validate(form: &PersonForm) -> Result<StaffUpdate, Vec<FieldError>> {
    let name = PersonName::parse(&form.name).map_err(|e| FieldError::new("name", e.0));
    let email = Email::parse(&form.email).map_err(|e| FieldError::new("email", e.0));
    let handle = Handle::parse(&form.handle).map_err(|e| FieldError::new("handle", e.0));
    let role = Role::parse(&form.role).map_err(|e| FieldError::new("role", e.0));
    match (name, email, handle, role) {
        (Ok(name), Ok(email), Ok(handle), Ok(role)) => Ok(StaffUpdate {
            name: name.to_string(),
            email: email.to_string(),
            handle: handle.to_string(),
            role,
            team_id: TeamId::parse(&form.team),
            manager_id: StaffId::parse(&form.manager),
        }),
        (name, email, handle, role) => Err([name.err(), email.err(), handle.err(), role.err()]
            .into_iter()
            .flatten()
            .collect()),
    }
}

/// Saves the change with its audit entry (what to fix is `AppError::Invalid`), once the
/// form says what to do about a team that has a manager already.
async fn save(
    state: &AppState,
    viewer: &Viewer,
    id: &StaffId,
    mut change: StaffUpdate,
    form: &PersonForm,
) -> Result<(), AppError> {
    let (actor, ip, target) = (viewer.actor(), viewer.ip.text(), id.clone());
    let form = form.clone();
    db::run(&state.pool, move |c| {
        write_tx(c, |c| {
            let before = staff::find(c, &target)?.ok_or(AppError::NotFound)?;
            managers::on_edit(c, &form.plan(), &before, &mut change)?;
            staff::update(c, &target, &change)?;
            let (subject, detail) = (Some(target.as_str()), Some(change.email.as_str()));
            audit::record(c, &actor, "staff.update", subject, detail, ip.as_deref())?;
            Ok(())
        })
    })
    .await
}

pub async fn update(
    state: web::Data<AppState>,
    viewer: Admin,
    form: CsrfForm<PersonForm>,
    id: PathId<StaffId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let saved = match validate(&form) {
        Ok(change) => save(&state, &viewer, &id, change, &form).await,
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match saved {
        Ok(()) => Ok(done::see_other(
            &format!("/staff/people/{id}"),
            Done::PersonSaved,
        )),
        Err(AppError::Invalid(errors)) => {
            let shown = PersonPage::invalid(&form, &errors);
            render_person(&state, &viewer, id, shown).await
        }
        Err(other) => Err(other),
    }
}

pub async fn invite(
    state: web::Data<AppState>,
    viewer: Admin,
    _form: CsrfForm<ActionForm>,
    id: PathId<StaffId>,
) -> Result<HttpResponse, AppError> {
    let (who, target) = (Inviting::new(&state, &viewer), id.0.clone());
    audited(&state, &viewer, "staff.invite", id.to_string(), move |c| {
        let person = staff::find(c, &target)?
            .filter(|p| p.active)
            .ok_or(AppError::NotFound)?;
        Ok(accounts::invite(c, &person, &who.inviter, &who.base_url)?)
    })
    .await?;
    state.mail_wakeup.notify_one();
    Ok(done::see_other(
        &format!("/staff/people/{}", *id),
        Done::Invited,
    ))
}

pub async fn set_active(
    state: web::Data<AppState>,
    viewer: Admin,
    form: CsrfForm<ActionForm>,
    id: PathId<StaffId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
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
    audited(&state, &viewer, action, id.to_string(), move |c| {
        staff::find(c, &target)?.ok_or(AppError::NotFound)?;
        Ok(staff::set_active(c, &target, active)?)
    })
    .await?;
    let done = if active {
        Done::Reactivated
    } else {
        Done::Deactivated
    };
    Ok(done::see_other(&format!("/staff/people/{id}"), done))
}
