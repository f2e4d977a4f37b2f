//! The moderation queue and a story's moderation page (managers for their teams, admins).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::done::{self, Done};
use super::{audited, page, page_with_status};
use crate::app::AppState;
use crate::db;
use crate::db::ids::StoryId;
use crate::domain::story::parse_tags;
use crate::error::{AppError, FieldError};
use crate::store::inbox::{self, Scope};
use crate::store::moderation::{self, MailContext, Publication, Published};
use crate::web::extract::{CsrfForm, Manager, PathId, Viewer};
use crate::web::forms;

async fn scope(state: &AppState, viewer: &Viewer) -> Result<Scope, AppError> {
    let (person, role) = (viewer.staff.clone(), viewer.role);
    db::run(&state.pool, move |c| Ok(inbox::scope(c, &person, role)?)).await
}

pub async fn queue(state: web::Data<AppState>, viewer: Manager) -> Result<HttpResponse, AppError> {
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

crate::csrf_field!(StoryForm);

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
    page_with_status("staff/story.html", ctx, viewer, "queue", status)
}

/// A malformed id is 404 before the role is checked.
pub async fn show(
    state: web::Data<AppState>,
    id: PathId<StoryId>,
    viewer: Manager,
) -> Result<HttpResponse, AppError> {
    render(&state, &viewer, id.into_inner(), None, &[], StatusCode::OK).await
}

/// What a moderator decides about a story: the last segment of its URL.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Publish,
    Decline,
    Unpublish,
}

#[derive(Debug, Deserialize)]
pub struct DecisionPath {
    decision: Decision,
}

impl Decision {
    fn action(self) -> &'static str {
        match self {
            Self::Publish => "story.publish",
            Self::Decline => "story.decline",
            Self::Unpublish => "story.unpublish",
        }
    }
}

/// Carries out the decision, with its audit entry (and the emails it sends).
async fn decide(
    state: &AppState,
    viewer: &Viewer,
    id: &StoryId,
    decision: Decision,
    form: &StoryForm,
    publication: Publication,
) -> Result<Done, AppError> {
    let scope = scope(state, viewer).await?;
    let (me, secret, base) = (
        viewer.id().clone(),
        state.secret_key.clone(),
        state.settings.base_url.clone(),
    );
    let (target, reason) = (id.clone(), form.reason.clone());
    audited(state, viewer, decision.action(), id.to_string(), move |c| {
        let ctx = MailContext {
            secret: &secret,
            base_url: &base,
        };
        Ok(match decision {
            Decision::Publish => {
                match moderation::publish(c, &scope, &me, &target, &publication, &ctx)? {
                    Published::OnTheWall => Done::Published,
                    Published::Featured(true) => Done::Featured,
                    Published::Featured(false) => Done::Unfeatured,
                    Published::Changed => Done::Saved,
                }
            }
            Decision::Decline => {
                moderation::decline(c, &scope, &me, &target, &reason, &ctx)?;
                Done::Declined
            }
            Decision::Unpublish => {
                moderation::unpublish(c, &scope, &me, &target)?;
                Done::Withdrawn
            }
        })
    })
    .await
}

/// `POST /staff/stories/ID/publish|decline|unpublish`.
pub async fn act(
    state: web::Data<AppState>,
    form: CsrfForm<StoryForm>,
    viewer: Manager,
    id: PathId<StoryId>,
    path: web::Path<DecisionPath>,
) -> Result<HttpResponse, AppError> {
    let (form, id) = (form.into_inner(), id.into_inner());
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let tags = match parse_tags(&form.tags) {
        Ok(tags) => tags,
        Err(e) => {
            let errors = [FieldError::new("tags", e.0)];
            return render(&state, &viewer, id, Some(&form), &errors, unprocessable).await;
        }
    };
    let publication = Publication {
        body: form.body.clone(),
        tags,
        featured: form.featured == "on",
    };
    match decide(&state, &viewer, &id, path.decision, &form, publication).await {
        Ok(done) => {
            state.mail_wakeup.notify_one();
            Ok(done::see_other(&format!("/staff/stories/{id}"), done))
        }
        Err(AppError::Invalid(errors)) => {
            render(&state, &viewer, id, Some(&form), &errors, unprocessable).await
        }
        Err(e) => Err(e),
    }
}
