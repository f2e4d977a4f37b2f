//! `GET /api/v1/stories` and `/api/v1/stories/ID`: the public wall as JSON, with the same
//! consent rules, filters, keyset cursors and validators (`web::caching`) as the pages.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::db;
use crate::db::ids::StoryId;
use crate::error::AppError;
use crate::store::wall::{self, WallStory};
use crate::web::extract::PathId;
use crate::web::public::wall_query::{WallQuery, load_story, page_for};

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

/// Published stories, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/stories",
    tag = "stories",
    params(WallQuery),
    responses(
        (status = 200, description = "A page of stories", body = StoryList),
        (status = 304, description = "Not modified since the ETag / Last-Modified given"),
        (status = 400, description = "A parameter is malformed: `limit` out of range or not a number, or `after` not a cursor", body = crate::web::api::notes::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<WallQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let limit = q.limit.unwrap_or(wall::PAGE);
    if !(1..=100).contains(&limit) {
        return Err(AppError::BadRequest(
            "limit must be a whole number from 1 to 100.".into(),
        ));
    }
    let (items, next) = db::run(&state.pool, move |c| page_for(c, &q, limit)).await?;
    let body = StoryList {
        items: items.into_iter().map(view).collect(),
        next: next.map(|n| n.encode()),
    };
    Ok(HttpResponse::Ok().json(body))
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
        (status = 404, description = "No such story", body = crate::web::api::notes::Problem, content_type = "application/problem+json"),
        (status = 410, description = "No longer public", body = crate::web::api::notes::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn one(
    state: web::Data<AppState>,
    id: PathId<StoryId>,
) -> Result<HttpResponse, AppError> {
    let story = load_story(&state, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(view(story)))
}
