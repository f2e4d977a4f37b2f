//! `GET /api/v1/stories` and `/api/v1/stories/ID`: the public wall as JSON, with the same
//! consent rules, filters, keyset cursors and validators as the pages.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::db;
use crate::error::AppError;
use crate::store::wall::{self, WallStory};
use crate::web::caching::Validators;
use crate::web::public::wall::{WallQuery, load_story, page_for};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StoriesQuery {
    /// A team's slug.
    #[serde(default)]
    pub team: String,
    /// A tag, like `patience`.
    #[serde(default)]
    pub tag: String,
    /// A rep's handle (only reps who agreed to be named).
    #[serde(default)]
    pub rep: String,
    /// The `next` cursor of the previous page.
    #[serde(default)]
    #[param(
        pattern = r"^(-?[0-9]{1,16}\.[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$"
    )]
    pub after: String,
    /// Stories per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// The rep, as they agreed to be named: `handle` is null for a rep who declined, and
/// `name` then reads "a member of the <team> team".
#[derive(Debug, Serialize, ToSchema)]
pub struct StoryRep {
    pub handle: Option<String>,
    pub name: String,
    pub team: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Story {
    #[schema(format = "uuid")]
    pub id: String,
    pub body: String,
    pub rep: StoryRep,
    /// The customer as they chose to be named ("Pat Doe", "Pat D." or "A customer").
    pub customer: String,
    #[schema(format = "date-time")]
    pub published_at: String,
    pub tags: Vec<String>,
    pub featured: bool,
    /// A moderator changed more than a redaction (spans replaced by `[…]`) of the
    /// customer's words.
    pub edited: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StoryList {
    pub items: Vec<Story>,
    /// Pass as `after` for the next page; null on the last page.
    pub next: Option<String>,
}

fn view(s: WallStory) -> Story {
    let card = s.card;
    Story {
        id: card.id.to_string(),
        body: card.body,
        rep: StoryRep {
            handle: card.rep_handle.clone(),
            name: card.rep,
            team: card.team,
        },
        customer: card.customer,
        published_at: card.published_iso,
        tags: s.tags,
        featured: card.featured,
        edited: card.edited,
    }
}

async fn validators(state: &AppState, req: &HttpRequest) -> Result<Validators, AppError> {
    let version = db::run(&state.pool, |c| Ok(wall::version(c)?)).await?;
    Ok(Validators::new(version, req))
}

/// Published stories, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/stories",
    tag = "stories",
    params(StoriesQuery),
    responses(
        (status = 200, description = "A page of stories", body = StoryList),
        (status = 304, description = "Not modified since the ETag / Last-Modified given"),
        (status = 400, description = "A parameter is malformed: `limit` out of range or not a number, or `after` not a cursor", body = crate::web::api::feedback::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<StoriesQuery>,
) -> Result<HttpResponse, AppError> {
    let v = validators(&state, &req).await?;
    if v.fresh(&req) {
        return Ok(v.not_modified());
    }
    let q = query.into_inner();
    let limit = q.limit.unwrap_or(wall::PAGE);
    if !(1..=100).contains(&limit) {
        return Err(AppError::BadRequest(
            "limit must be a whole number from 1 to 100.".into(),
        ));
    }
    let wq = WallQuery {
        team: q.team,
        tag: q.tag,
        rep: q.rep,
        after: q.after,
        limit: None,
    };
    let (items, next) = db::run(&state.pool, move |c| page_for(c, &wq, limit)).await?;
    let body = StoryList {
        items: items.into_iter().map(view).collect(),
        next: next.map(|n| n.encode()),
    };
    Ok(v.apply(&mut HttpResponse::Ok()).json(body))
}

/// One published story; 410 once it was withdrawn, erased or unpublished.
#[utoipa::path(
    get,
    path = "/api/v1/stories/{id}",
    tag = "stories",
    params(("id" = String, Path, description = "The story's id")),
    responses(
        (status = 200, description = "The story", body = Story),
        (status = 304, description = "Not modified since the ETag / Last-Modified given"),
        (status = 404, description = "No such story", body = crate::web::api::feedback::Problem, content_type = "application/problem+json"),
        (status = 410, description = "No longer public", body = crate::web::api::feedback::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn one(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let v = validators(&state, &req).await?;
    let story = load_story(&state, &id).await?;
    if v.fresh(&req) {
        return Ok(v.not_modified());
    }
    Ok(v.apply(&mut HttpResponse::Ok()).json(view(story)))
}
