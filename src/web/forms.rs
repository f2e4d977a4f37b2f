//! Shared pieces of HTML form handling: errors for templates, the rate limit and the
//! form-token checks every public POST goes through, and HTML responses with a status.

use std::collections::HashMap;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use crate::app::AppState;
use crate::error::{AppError, FieldError};
use crate::web::abuse;
use crate::web::extract::ClientIp;

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

/// [`page_with_status`] for a page whose URL is its key (a receipt, an invitation): the
/// browser never sends that URL on to another site.
pub fn private_page(
    template: &str,
    ctx: &tera::Context,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let mut res = page_with_status(template, ctx, status)?;
    res.headers_mut().insert(
        actix_web::http::header::REFERRER_POLICY,
        actix_web::http::header::HeaderValue::from_static("no-referrer"),
    );
    Ok(res)
}

/// Counts a public POST against its client's per-minute budget.
pub async fn rate_limit(state: &AppState, ip: ClientIp) -> Result<(), AppError> {
    let Some(ip) = ip.0 else {
        return Ok(());
    };
    state.rate_limiter.check(&state.pool, ip).await
}

/// A fresh form token for a form served now.
pub fn form_token(state: &AppState) -> String {
    abuse::issue_form_token(&state.secret_key, chrono::Utc::now().timestamp())
}

/// Checks the form token and the honeypot; the error is one for the top of the form.
/// The token is not yet spent: see [`spend`].
pub fn check_human(
    state: &AppState,
    token: &str,
    honeypot: &str,
) -> Result<abuse::FormNonce, FieldError> {
    if !honeypot.trim().is_empty() {
        return Err(FieldError::new(
            "form_token",
            abuse::FormTokenError::Forged.message(),
        ));
    }
    abuse::check_form_token(
        &state.secret_key,
        token,
        chrono::Utc::now().timestamp(),
        state.settings.form_min_age.as_secs(),
    )
    .map_err(|e| FieldError::new("form_token", e.message()))
}

/// Spends a checked form token in its own transaction: a token works once.
pub async fn spend(state: &AppState, nonce: abuse::FormNonce) -> Result<(), FieldError> {
    let used = crate::db::run(&state.pool, move |c| {
        Ok(crate::store::limits::use_form_token(
            c,
            &nonce.nonce,
            nonce.expires_at,
        )?)
    })
    .await;
    match used {
        Ok(true) => Ok(()),
        Ok(false) => Err(FieldError::new(
            "form_token",
            abuse::FormTokenError::Used.message(),
        )),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "could not record a used form token");
            Err(FieldError::new(
                "form_token",
                "We could not check this form just now. Please try again in a moment.",
            ))
        }
    }
}
