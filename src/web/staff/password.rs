//! Choosing a password: from an invitation (`/invite/TOKEN`) or a reset link
//! (`/password/forgot`, `/password/reset/TOKEN`). Responses never reveal whether an
//! address has an account.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::app::AppState;
use crate::db::{self, write_tx};
use crate::domain::{Email, Password};
use crate::error::{AppError, FieldError};
use crate::store::tokens::{self, TokenKind};
use crate::store::{accounts, audit, staff};
use crate::web::abuse::client_ip;
use crate::web::{forms, session};

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
    #[serde(default)]
    form_token: String,
}

fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

fn expired(kind: TokenKind) -> AppError {
    AppError::Denied(match kind {
        TokenKind::Invitation => {
            "This invitation has expired or was already used. Ask an admin to invite you again."
                .into()
        }
        _ => "This link has expired or was already used. Ask for a new one from the sign-in page."
            .into(),
    })
}

fn heading(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Invitation => "Welcome to Heard: choose a password",
        _ => "Choose a new password",
    }
}

fn action(kind: TokenKind, token: &str) -> String {
    match kind {
        TokenKind::Invitation => format!("/invite/{token}"),
        _ => format!("/password/reset/{token}"),
    }
}

fn render_form(
    state: &AppState,
    kind: TokenKind,
    token: &str,
    name: Option<&str>,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let mut ctx = tera::Context::new();
    ctx.insert("heading", heading(kind));
    ctx.insert("action", &action(kind, token));
    ctx.insert("name", &name);
    ctx.insert("form_token", &forms::form_token(state));
    forms::insert_errors(&mut ctx, errors);
    let mut res = forms::page_with_status("staff/password.html", &ctx, status)?;
    res.headers_mut().insert(
        actix_web::http::header::REFERRER_POLICY,
        actix_web::http::header::HeaderValue::from_static("no-referrer"),
    );
    Ok(res)
}

async fn show(state: &AppState, kind: TokenKind, token: String) -> Result<HttpResponse, AppError> {
    if !well_formed(&token) {
        return Err(expired(kind));
    }
    let peeked = token.clone();
    let person = db::run(&state.pool, move |c| {
        Ok(match tokens::peek(c, kind, &peeked)? {
            Some(id) => staff::find(c, &id)?.filter(|p| p.active),
            None => None,
        })
    })
    .await?
    .ok_or_else(|| expired(kind))?;
    render_form(state, kind, &token, Some(&person.name), &[], StatusCode::OK)
}

async fn submit(
    req: &HttpRequest,
    state: &AppState,
    kind: TokenKind,
    token: String,
    form: PasswordForm,
) -> Result<HttpResponse, AppError> {
    forms::rate_limit(req, state).await?;
    if !well_formed(&token) {
        return Err(expired(kind));
    }
    let mut errors = Vec::new();
    let nonce = match forms::check_human(state, &form.form_token, "") {
        Ok(nonce) => Some(nonce),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let password = Password::parse(&form.password);
    match &password {
        Err(e) => errors.push(FieldError::new("password", e.0.clone())),
        Ok(_) if form.password != form.password_confirm => {
            errors.push(FieldError::new(
                "password_confirm",
                "The two passwords differ.",
            ));
        }
        Ok(_) => {}
    }
    if let (Some(nonce), true) = (nonce, errors.is_empty())
        && let Err(e) = forms::spend(state, nonce).await
    {
        errors.push(e);
    }
    let password = match password {
        Ok(p) if errors.is_empty() => p,
        _ => {
            return render_form(
                state,
                kind,
                &token,
                None,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let hash = web::block(move || password.hash())
        .await?
        .map_err(|e| AppError::internal(anyhow::anyhow!(e.0)))?;
    let ip = client_ip(req, &state.settings.trusted_proxies).map(|ip| ip.to_string());
    let person = db::run(&state.pool, move |c| {
        write_tx(c, |c| {
            let person = accounts::set_password_with(c, kind, &token, &hash)?
                .ok_or_else(|| expired(kind))?;
            let actor = audit::Actor::Staff {
                id: person.id.clone(),
                name: person.name.clone(),
            };
            let action = match kind {
                TokenKind::Invitation => "staff.accept_invitation",
                _ => "staff.reset_password",
            };
            audit::record(
                c,
                &actor,
                action,
                Some(person.id.as_str()),
                None,
                ip.as_deref(),
            )?;
            Ok(person)
        })
    })
    .await?;
    Ok(match kind {
        TokenKind::Invitation => HttpResponse::SeeOther()
            .cookie(session::start(state, &person))
            .insert_header((LOCATION, "/staff"))
            .finish(),
        _ => HttpResponse::SeeOther()
            .insert_header((LOCATION, "/login?reset=1"))
            .finish(),
    })
}

pub async fn invite_show(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    show(&state, TokenKind::Invitation, token.into_inner()).await
}

pub async fn invite_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    submit(
        &req,
        &state,
        TokenKind::Invitation,
        token.into_inner(),
        form.into_inner(),
    )
    .await
}

pub async fn reset_show(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    show(&state, TokenKind::PasswordReset, token.into_inner()).await
}

pub async fn reset_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    submit(
        &req,
        &state,
        TokenKind::PasswordReset,
        token.into_inner(),
        form.into_inner(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    form_token: String,
}

fn render_forgot(
    state: &AppState,
    email: &str,
    sent: bool,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let mut ctx = tera::Context::new();
    ctx.insert("email", email);
    ctx.insert("sent", &sent);
    ctx.insert("form_token", &forms::form_token(state));
    forms::insert_errors(&mut ctx, errors);
    forms::page_with_status("staff/forgot.html", &ctx, status)
}

pub async fn forgot_show(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    render_forgot(&state, "", false, &[], StatusCode::OK)
}

/// The same answer whether or not the address has an account.
pub async fn forgot_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    forms::rate_limit(&req, &state).await?;
    let checked = match forms::check_human(&state, &form.form_token, "") {
        Ok(nonce) => forms::spend(&state, nonce).await,
        Err(e) => Err(e),
    };
    if let Err(e) = checked {
        return render_forgot(
            &state,
            &form.email,
            false,
            &[e],
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let email = match Email::parse(&form.email) {
        Ok(e) => e,
        Err(e) => {
            let error = FieldError::new("email", e.0);
            return render_forgot(
                &state,
                &form.email,
                false,
                &[error],
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    // Queued, not served here: the answer takes the same time whether or not the address
    // has an account. The mail worker sends the link.
    db::run(&state.pool, move |c| {
        write_tx(c, |c| Ok(accounts::queue_reset(c, email.as_str())?))
    })
    .await?;
    state
        .resets_waiting
        .store(true, std::sync::atomic::Ordering::Release);
    state.mail_wakeup.notify_one();
    render_forgot(&state, "", true, &[], StatusCode::OK)
}
