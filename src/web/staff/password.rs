//! Choosing a password: from an invitation (`/invite/TOKEN`) or a reset link
//! (`/password/forgot`, `/password/reset/TOKEN`). Responses never reveal whether an
//! address has an account.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::app::AppState;
use crate::db::{self, write_tx};
use crate::domain::{Email, Password};
use crate::error::{AppError, FieldError};
use crate::store::staff::{self, Staff as Person};
use crate::store::tokens::{self, TokenKind};
use crate::store::{accounts, audit};
use crate::web::extract::ClientIp;
use crate::web::{forms, see_other, session};

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
    #[serde(default)]
    form_token: String,
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
    forms::private_page("staff/password.html", &ctx, status)
}

/// The link a password is chosen from: an invitation (`/invite/TOKEN`) or a reset
/// (`/password/reset/TOKEN`).
pub struct Link {
    kind: TokenKind,
    token: String,
}

impl FromRequest for Link {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let kind = if req.path().starts_with("/invite/") {
            TokenKind::Invitation
        } else {
            TokenKind::PasswordReset
        };
        let token = web::Path::<String>::extract(req).into_inner();
        std::future::ready(token.map(|token| Self {
            kind,
            token: token.into_inner(),
        }))
    }
}

/// `GET /invite/TOKEN` and `GET /password/reset/TOKEN`.
pub async fn show(state: web::Data<AppState>, link: Link) -> Result<HttpResponse, AppError> {
    let Link { kind, token } = link;
    if !crate::store::is_token(&token) {
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
    render_form(
        &state,
        kind,
        &token,
        Some(&person.name),
        &[],
        StatusCode::OK,
    )
}

/// The new password, or what to fix; a genuine form token is spent only when all is well.
async fn check(state: &AppState, form: &PasswordForm) -> Result<Password, Vec<FieldError>> {
    let mut errors = Vec::new();
    let nonce = forms::check_human(state, &form.form_token, "")
        .map_err(|e| errors.push(e))
        .ok();
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
    match password {
        Ok(p) if errors.is_empty() => Ok(p),
        _ => Err(errors),
    }
}

/// Sets the password the link is for (spending the link) with its audit entry: who it was.
async fn set_password(
    state: &AppState,
    link: Link,
    hash: String,
    ip: ClientIp,
) -> Result<Person, AppError> {
    let (kind, ip) = (link.kind, ip.text());
    db::run(&state.pool, move |c| {
        write_tx(c, |c| {
            let person = accounts::set_password_with(c, kind, &link.token, &hash)?
                .ok_or_else(|| expired(kind))?;
            let actor = audit::Actor::Staff {
                id: person.id.clone(),
                name: person.name.clone(),
            };
            let action = match kind {
                TokenKind::Invitation => "staff.accept_invitation",
                _ => "staff.reset_password",
            };
            let subject = Some(person.id.as_str());
            audit::record(c, &actor, action, subject, None, ip.as_deref())?;
            Ok(person)
        })
    })
    .await
}

/// `POST /invite/TOKEN` (signs the new colleague in) and `POST /password/reset/TOKEN`.
pub async fn submit(
    state: web::Data<AppState>,
    ip: ClientIp,
    link: Link,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    forms::rate_limit(&state, ip).await?;
    if !crate::store::is_token(&link.token) {
        return Err(expired(link.kind));
    }
    let password = match check(&state, &form).await {
        Ok(password) => password,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_form(&state, link.kind, &link.token, None, &errors, status);
        }
    };
    let hash = web::block(move || password.hash())
        .await?
        .map_err(|e| AppError::internal(anyhow::anyhow!(e.0)))?;
    let kind = link.kind;
    let person = set_password(&state, link, hash, ip).await?;
    Ok(match kind {
        TokenKind::Invitation => HttpResponse::SeeOther()
            .cookie(session::start(&state, &person))
            .insert_header((LOCATION, "/staff"))
            .finish(),
        _ => see_other("/login?reset=1"),
    })
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
    state: web::Data<AppState>,
    ip: ClientIp,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    forms::rate_limit(&state, ip).await?;
    let checked = match forms::check_human(&state, &form.form_token, "") {
        Ok(nonce) => forms::spend(&state, nonce).await,
        Err(e) => Err(e),
    };
    let email =
        checked.and_then(|()| Email::parse(&form.email).map_err(|e| FieldError::new("email", e.0)));
    let email = match email {
        Ok(email) => email,
        Err(error) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_forgot(&state, &form.email, false, &[error], status);
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
