//! Shared pieces of HTML form handling: errors for templates, the rate limit and the
//! form-token checks every public POST goes through, and HTML responses with a status.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

use crate::app::AppState;
use crate::error::{AppError, FieldError};
use crate::web::abuse;

/// Puts `errors` (the list for the summary) and `field_errors` (by field) in the context.
pub fn insert_errors(ctx: &mut tera::Context, errors: &[FieldError]) {
    let by_field: HashMap<&str, &str> = errors
        .iter()
        .map(|e| (e.field.as_str(), e.message.as_str()))
        .collect();
    ctx.insert("errors", errors);
    ctx.insert("field_errors", &by_field);
}

/// Renders a page with a status other than 200 (a form with errors answers 422).
pub fn page_with_status(
    template: &str,
    ctx: &tera::Context,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let html = crate::templates::render(template, ctx)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(html))
}

/// Counts a public POST against its client's per-minute budget.
pub fn rate_limit(req: &HttpRequest, state: &AppState) -> Result<(), AppError> {
    let Some(ip) = abuse::client_ip(req, &state.settings.trusted_proxies) else {
        return Ok(());
    };
    state
        .rate_limiter
        .check(ip, std::time::Instant::now())
        .map_err(|retry_after_secs| AppError::RateLimited { retry_after_secs })
}

/// A fresh form token for a form served now.
pub fn form_token(state: &AppState) -> String {
    abuse::issue_form_token(&state.secret_key, chrono::Utc::now().timestamp())
}

/// Checks the form token and the honeypot; the error is one for the top of the form.
pub fn check_human(state: &AppState, token: &str, honeypot: &str) -> Result<(), FieldError> {
    if !honeypot.trim().is_empty() {
        return Err(FieldError::new(
            "form_token",
            "This form could not be checked. Please reload the page and send it again.",
        ));
    }
    abuse::check_form_token(
        &state.secret_key,
        token,
        chrono::Utc::now().timestamp(),
        state.settings.form_min_seconds,
    )
    .map_err(|e| FieldError::new("form_token", e.message()))
}
