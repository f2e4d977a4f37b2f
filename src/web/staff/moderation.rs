//! The moderation queue and a story's moderation page (managers for their teams, admins).

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{audited, page};
use crate::app::AppState;
use crate::db;
use crate::db::ids::StoryId;
use crate::domain::Role;
use crate::domain::story::parse_tags;
use crate::error::{AppError, FieldError};
use crate::store::inbox::{self, Scope};
use crate::store::moderation::{self, MailContext};
use crate::web::forms;
use crate::web::session::Viewer;

async fn scope(state: &AppState, viewer: &Viewer) -> Result<Scope, AppError> {
    viewer.require(&[Role::Manager, Role::Admin])?;
    let (person, role) = (viewer.staff.clone(), viewer.role);
    db::run(&state.pool, move |c| Ok(inbox::scope(c, &person, role)?)).await
}

pub async fn queue(state: web::Data<AppState>, viewer: Viewer) -> Result<HttpResponse, AppError> {
    let scope = scope(&state, &viewer).await?;
    let items = db::run(&state.pool, move |c| Ok(moderation::queue(c, &scope)?)).await?;
    let mut ctx = tera::Context::new();
    ctx.insert("items", &items);
    page("staff/queue.html", ctx, &viewer, None, "queue")
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct StoryForm {
    #[serde(default, skip_serializing)]
    csrf: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    featured: String,
    #[serde(default)]
    reason: String,
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    id: StoryId,
    form: Option<&StoryForm>,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let scope = scope(state, viewer).await?;
    let story = db::run(&state.pool, move |c| {
        Ok(moderation::detail(c, &scope, &id)?)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    let current = StoryForm {
        body: story
            .body
            .clone()
            .or_else(|| story.original.clone())
            .unwrap_or_default(),
        tags: story.tags.join(", "),
        featured: if story.featured {
            "on".into()
        } else {
            String::new()
        },
        ..StoryForm::default()
    };
    let mut ctx = tera::Context::new();
    ctx.insert("story", &story);
    ctx.insert("form", form.unwrap_or(&current));
    forms::insert_errors(&mut ctx, errors);
    let mut res = page("staff/story.html", ctx, viewer, None, "queue")?;
    *res.status_mut() = status;
    Ok(res)
}

pub async fn show(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = StoryId::parse(&id).ok_or(AppError::NotFound)?;
    render(&state, &viewer, id, None, &[], StatusCode::OK).await
}

fn done(id: &StoryId) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("/staff/stories/{id}")))
        .finish()
}

/// The shape of every moderation action: check, run with its audit entry, show the result.
async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    form: web::Form<StoryForm>,
    action: &'static str,
) -> Result<HttpResponse, AppError> {
    viewer.check_csrf(&state, &form.csrf)?;
    let scope = scope(&state, &viewer).await?;
    let id = StoryId::parse(&id).ok_or(AppError::NotFound)?;
    let form = form.into_inner();
    let tags = match parse_tags(&form.tags) {
        Ok(tags) => tags,
        Err(e) => {
            let errors = [FieldError::new("tags", e.0)];
            return render(
                &state,
                &viewer,
                id,
                Some(&form),
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let (me, secret, base) = (
        viewer.id().clone(),
        state.secret_key.clone(),
        state.settings.base_url.clone(),
    );
    let (target, body, reason, featured) = (
        id.clone(),
        form.body.clone(),
        form.reason.clone(),
        form.featured == "on",
    );
    let result = audited(&req, &state, &viewer, action, id.to_string(), move |c| {
        let ctx = MailContext {
            secret: &secret,
            base_url: &base,
        };
        match action {
            "story.publish" => {
                let publication = moderation::Publication {
                    body,
                    tags,
                    featured,
                };
                moderation::publish(c, &scope, &me, &target, &publication, &ctx)
            }
            "story.decline" => moderation::decline(c, &scope, &me, &target, &reason, &ctx),
            _ => moderation::unpublish(c, &scope, &me, &target),
        }
    })
    .await;
    match result {
        Ok(()) => {
            state.mail_wakeup.notify_one();
            Ok(done(&id))
        }
        Err(AppError::Invalid(errors)) => {
            render(
                &state,
                &viewer,
                id,
                Some(&form),
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub async fn publish(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    form: web::Form<StoryForm>,
) -> Result<HttpResponse, AppError> {
    act(req, state, viewer, id, form, "story.publish").await
}

pub async fn decline(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    form: web::Form<StoryForm>,
) -> Result<HttpResponse, AppError> {
    act(req, state, viewer, id, form, "story.decline").await
}

pub async fn unpublish(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    form: web::Form<StoryForm>,
) -> Result<HttpResponse, AppError> {
    act(req, state, viewer, id, form, "story.unpublish").await
}
