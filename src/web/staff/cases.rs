//! Complaint cases: the open cases by age, and the steps on a note's page — acknowledge,
//! assign, comment, resolve — plus a rep's reply to a customer who said thank you.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::done::{self, Done};
use super::inbox::render_note;
use super::{audited, page};
use crate::app::AppState;
use crate::db;
use crate::db::ids::{NoteId, StaffId};
use crate::domain::case::parse_message;
use crate::error::{AppError, FieldError};
use crate::store::cases::{self, Acting, Step};
use crate::store::inbox;
use crate::store::note_facts::Links;
use crate::web::extract::{CsrfForm, PathId, Staff, Viewer};

/// Cases not yet resolved, oldest first: the overdue ones stand out.
pub async fn list(state: web::Data<AppState>, viewer: Staff) -> Result<HttpResponse, AppError> {
    let (person, role) = (viewer.staff.clone(), viewer.role);
    let open = db::run(&state.pool, move |c| {
        let scope = inbox::scope(c, &person, role)?;
        Ok(cases::open_by_age(c, &scope, 500)?)
    })
    .await?;
    let overdue = open.iter().filter(|c| c.overdue).count();
    let mut ctx = tera::Context::new();
    ctx.insert("cases", &open);
    ctx.insert("overdue", &overdue);
    page("staff/cases.html", ctx, &viewer, None, "cases")
}

/// Every case form posts here; `step` says which, the other fields as that step needs.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct CaseForm {
    #[serde(default, skip_serializing)]
    pub csrf: String,
    #[serde(default)]
    pub step: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub assignee: String,
}

crate::csrf_field!(CaseForm);

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(vec![FieldError::new(field, message)])
}

/// What the page says once a step is taken.
fn done_for(step: &Step) -> Done {
    match step {
        Step::Acknowledge { .. } => Done::Acknowledged,
        Step::Assign { .. } => Done::Assigned,
        Step::Comment { .. } => Done::Commented,
        Step::Resolve { .. } => Done::Resolved,
        Step::Reply { .. } => Done::Replied,
    }
}

fn parse_step(form: &CaseForm) -> Result<(Step, &'static str), AppError> {
    let message =
        |required| parse_message(&form.message, required).map_err(|e| invalid("message", e.0));
    Ok(match form.step.as_str() {
        "acknowledge" => (
            Step::Acknowledge {
                message: message(false)?,
            },
            "case.acknowledge",
        ),
        "assign" => {
            let to = StaffId::parse(&form.assignee)
                .ok_or_else(|| invalid("assignee", "Choose someone to assign it to."))?;
            (Step::Assign { to }, "case.assign")
        }
        "comment" => (
            Step::Comment {
                text: message(true)?.unwrap_or_default(),
            },
            "case.comment",
        ),
        "resolve" => (
            Step::Resolve {
                message: message(true)?.unwrap_or_default(),
            },
            "case.resolve",
        ),
        "reply" => (
            Step::Reply {
                message: message(true)?.unwrap_or_default(),
            },
            "note.reply",
        ),
        _ => return Err(AppError::BadRequest("Unknown step.".into())),
    })
}

/// Takes one step on the note's case, with its audit entry; says what was done.
async fn apply(
    state: &AppState,
    viewer: &Viewer,
    id: &NoteId,
    form: &CaseForm,
) -> Result<Done, AppError> {
    let (step, action) = parse_step(form)?;
    let done = done_for(&step);
    let (person, role, target) = (viewer.staff.clone(), viewer.role, id.clone());
    let (secret, base) = (state.secret_key.clone(), state.settings.base_url.clone());
    audited(state, viewer, action, id.to_string(), move |c| {
        let scope = inbox::scope(c, &person, role)?;
        let who = Acting {
            person: &person,
            role,
            scope: &scope,
        };
        let links = Links {
            secret: &secret,
            base_url: &base,
        };
        Ok(cases::apply(c, &who, &target, &step, links)?)
    })
    .await?;
    Ok(done)
}

/// Several forms on the page have a message box: point the errors at the one that was sent.
fn point_at_form(step: &str, errors: &mut [FieldError]) {
    let prefix = if step == "acknowledge" { "ack" } else { step };
    for e in errors.iter_mut().filter(|e| e.field == "message") {
        e.field = format!("{prefix}-message");
    }
}

pub async fn act(
    state: web::Data<AppState>,
    viewer: Staff,
    form: CsrfForm<CaseForm>,
    id: PathId<NoteId>,
) -> Result<HttpResponse, AppError> {
    let (form, id) = (form.into_inner(), id.into_inner());
    match apply(&state, &viewer, &id, &form).await {
        Ok(done) => {
            state.mail_wakeup.notify_one();
            Ok(done::see_other(&format!("/staff/notes/{id}#history"), done))
        }
        Err(AppError::Invalid(mut errors)) => {
            point_at_form(&form.step, &mut errors);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_note(&state, &viewer, id, &form, &errors, status).await
        }
        Err(e) => Err(e),
    }
}
