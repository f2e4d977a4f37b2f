//! HTTP: the route table, handlers by area, and middleware.

pub mod abuse;
pub mod api;
pub mod assets;
pub mod caching;
pub mod errors;
pub mod forms;
pub mod metrics;
pub mod middleware;
pub mod origin;
pub mod public;
pub mod routes;
pub mod session;
pub mod staff;

use actix_web::HttpResponse;
use actix_web::http::header::ContentType;

use crate::error::AppError;

/// Renders an HTML page from a template.
pub fn page(template: &str, context: &tera::Context) -> Result<HttpResponse, AppError> {
    let html = crate::templates::render(template, context)?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(html))
}
