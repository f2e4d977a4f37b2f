//! HTTP: the route table, handlers by area, and middleware.

pub mod abuse;
pub mod api;
pub mod assets;
pub mod brand;
pub mod caching;
pub mod errors;
pub mod extract;
pub mod forms;
pub mod metrics;
pub mod middleware;
pub mod origin;
pub mod pictures;
pub mod public;
pub mod routes;
pub mod session;
pub mod staff;
pub mod uploads;

use actix_web::HttpResponse;
use actix_web::http::header::{ContentType, LOCATION};
use serde::Serialize;

use crate::error::AppError;

/// Renders an HTML page from a template.
pub fn page(template: &str, context: &tera::Context) -> Result<HttpResponse, AppError> {
    let html = crate::templates::render(template, context)?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(html))
}

/// A 303 to `location`: where a form that worked sends the browser.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, location))
        .finish()
}

/// `path` with `query` as its query string (form-encoded; nothing when `query` is empty).
pub fn with_query(path: &str, query: &impl Serialize) -> String {
    match serde_urlencoded::to_string(query) {
        Ok(query) if !query.is_empty() => format!("{path}?{query}"),
        _ => path.to_owned(),
    }
}

/// Removes the `.eml` copies of outbox rows that erasure scrubbed (after the erasure is
/// committed), off the async executor.
pub async fn remove_eml_files(
    state: &crate::app::AppState,
    scrubbed: Vec<crate::db::ids::OutboxId>,
) -> Result<(), AppError> {
    if scrubbed.is_empty() {
        return Ok(());
    }
    let dir = state.settings.outbox_dir();
    actix_web::rt::task::spawn_blocking(move || crate::mail::remove_eml_files(&dir, &scrubbed))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e.to_string())))?;
    Ok(())
}
