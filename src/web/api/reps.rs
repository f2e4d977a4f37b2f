//! `GET /api/v1/reps?q=`: find someone to thank by name or handle.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::error::AppError;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RepsQuery {
    /// Part of a name or handle, any case (only its first 60 characters are used; blank
    /// finds no one).
    #[serde(default)]
    pub q: String,
}

/// Someone a customer can thank.
#[derive(Debug, Serialize, ToSchema)]
pub struct Rep {
    #[schema(min_length = 2, max_length = 32, example = "maria")]
    pub handle: String,
    pub name: String,
    pub team: Option<String>,
    /// Their personal thank-you page.
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RepList {
    pub items: Vec<Rep>,
}

/// Find reps by name or handle.
#[utoipa::path(
    get,
    path = "/api/v1/reps",
    tag = "reps",
    params(RepsQuery),
    responses(
        (status = 200, description = "Up to 20 matches, best first", body = RepList),
        (status = 400, description = "The query string could not be read", body = crate::web::api::notes::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn search(
    state: web::Data<AppState>,
    query: web::Query<RepsQuery>,
) -> Result<HttpResponse, AppError> {
    let q: String = query.into_inner().q.trim().chars().take(60).collect();
    let found = crate::web::public::reps::find(&state, q).await?;
    let items = found
        .into_iter()
        .map(|r| Rep {
            url: format!("{}/to/{}", state.settings.base_url, r.handle),
            handle: r.handle,
            name: r.name,
            team: r.team,
        })
        .collect();
    Ok(HttpResponse::Ok().json(RepList { items }))
}
