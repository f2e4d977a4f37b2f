//! The inbox: every note in the viewer's scope, newest first, with filters and unread marks;
//! and one note's page. A note outside the viewer's scope does not exist for them (404).

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{audited, page};
use crate::app::AppState;
use crate::db;
use crate::db::ids::FeedbackId;
use crate::domain::Role;
use crate::error::{AppError, FieldError};
use crate::store::inbox::{self, Filter};
use crate::store::{cases, events, teams};
use crate::web::forms;
use crate::web::session::Viewer;
use crate::web::staff::cases::CaseForm;

#[derive(Debug, Default, Deserialize)]
pub struct InboxQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    unread: String,
    #[serde(default)]
    before: String,
}

async fn team_name(state: &AppState, viewer: &Viewer) -> Result<Option<String>, AppError> {
    let Some(team) = viewer.staff.team_id.clone() else {
        return Ok(None);
    };
    db::run(&state.pool, move |c| Ok(Some(teams::find(c, &team)?.name))).await
}

pub async fn list(
    state: web::Data<AppState>,
    viewer: Viewer,
    query: web::Query<InboxQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let kind = match query.kind.as_str() {
        "thanks" | "complaint" => Some(query.kind.clone()),
        _ => None,
    };
    let filter = Filter {
        kind: kind.clone(),
        unread_only: query.unread == "1",
        before: FeedbackId::parse(&query.before),
    };
    let (person, role) = (viewer.staff.clone(), viewer.role);
    let items = db::run(&state.pool, move |c| {
        let scope = inbox::scope(c, &person, role)?;
        Ok(inbox::list(c, &scope, &person.id, &filter)?)
    })
    .await?;
    let next = (items.len() as i64 == inbox::PAGE).then(|| {
        let last = items.last().map(|i| i.id.clone()).unwrap_or_default();
        let mut url = format!("/staff?before={last}");
        if let Some(kind) = &kind {
            url.push_str(&format!("&kind={kind}"));
        }
        if query.unread == "1" {
            url.push_str("&unread=1");
        }
        url
    });
    let mut ctx = tera::Context::new();
    ctx.insert("items", &items);
    ctx.insert("next", &next);
    ctx.insert(
        "filter",
        &serde_json::json!({"kind": kind, "unread": query.unread == "1"}),
    );
    let team = team_name(&state, &viewer).await?;
    page("staff/inbox.html", ctx, &viewer, team, "inbox")
}

pub async fn show(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = FeedbackId::parse(&id).ok_or(AppError::NotFound)?;
    render_note(
        &state,
        &viewer,
        id,
        &CaseForm::default(),
        &[],
        StatusCode::OK,
    )
    .await
}

/// A note's page: the note, its case and history (staff see internal comments), and the
/// forms for what this viewer may do; `errors` and `form` when a form came back invalid.
pub async fn render_note(
    state: &AppState,
    viewer: &Viewer,
    id: FeedbackId,
    form: &CaseForm,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (person, role) = (viewer.staff.clone(), viewer.role);
    let (note, case, history, assignees) = db::run(&state.pool, move |c| {
        let scope = inbox::scope(c, &person, role)?;
        let Some(note) = inbox::note(c, &scope, role, &person.id, &id)? else {
            return Err(AppError::NotFound);
        };
        let case = cases::view(c, &id)?;
        let history = events::for_note(c, &id, false)?;
        let assignees = if case.is_some() && role != Role::Rep {
            cases::assignees(c, &scope)?
        } else {
            Vec::new()
        };
        Ok((note, case, history, assignees))
    })
    .await?;
    let mut ctx = tera::Context::new();
    ctx.insert("note", &note);
    ctx.insert("case", &case);
    ctx.insert("history", &history);
    ctx.insert("assignees", &assignees);
    ctx.insert("form", form);
    forms::insert_errors(&mut ctx, errors);
    let team = team_name(state, viewer).await?;
    let mut res = page("staff/note.html", ctx, viewer, team, "inbox")?;
    *res.status_mut() = status;
    Ok(res)
}

#[derive(Debug, Default, Deserialize)]
pub struct ReadForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    read: String,
}

pub async fn mark(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    form: web::Form<ReadForm>,
) -> Result<HttpResponse, AppError> {
    viewer.check_csrf(&state, &form.csrf)?;
    let id = FeedbackId::parse(&id).ok_or(AppError::NotFound)?;
    let read = form.read == "1";
    let action = if read {
        "note.mark_read"
    } else {
        "note.mark_unread"
    };
    let (person, role, target) = (viewer.staff.clone(), viewer.role, id.clone());
    audited(&req, &state, &viewer, action, id.to_string(), move |c| {
        let scope = inbox::scope(c, &person, role)?;
        inbox::note(c, &scope, role, &person.id, &target)?.ok_or(AppError::NotFound)?;
        Ok(inbox::set_read(c, &person.id, &target, read)?)
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("/staff/notes/{id}")))
        .finish())
}
