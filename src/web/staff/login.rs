//! Signing in and out. Wrong email and wrong password get the same answer (and take the
//! same time); attempts are limited per client address and per account.

use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::app::AppState;
use crate::db;
use crate::error::{AppError, FieldError};
use crate::store::audit;
use crate::store::staff;
use crate::web::abuse::client_ip;
use crate::web::forms;
use crate::web::session::{self, Viewer};

/// A hash of a random password: checked when the email is unknown, so both cases take as long.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Pd0Bo3Jx1n3ZbUO8sQ8qQ9qM0mFJtDQIgkWc0D7Hmg";

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    signed_out: Option<String>,
    #[serde(default)]
    reset: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    form_token: String,
}

/// Only a staff path on this site may follow a sign-in.
fn safe_next(next: &str) -> String {
    let ok = next.starts_with("/staff") && !next.starts_with("//") && !next.contains('\\');
    if ok {
        next.to_owned()
    } else {
        "/staff".to_owned()
    }
}

fn render(
    state: &AppState,
    email: &str,
    next: &str,
    notice: Option<&str>,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let mut ctx = tera::Context::new();
    ctx.insert("email", email);
    ctx.insert("next", &safe_next(next));
    ctx.insert("notice", &notice);
    ctx.insert("form_token", &forms::form_token(state));
    forms::insert_errors(&mut ctx, errors);
    forms::page_with_status("staff/login.html", &ctx, status)
}

pub async fn show(
    state: web::Data<AppState>,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    let notice = match (&query.signed_out, &query.reset) {
        (Some(_), _) => Some("You have signed out."),
        (_, Some(_)) => Some("Your password has been changed. Sign in with the new one."),
        _ => None,
    };
    render(&state, "", &query.next, notice, &[], StatusCode::OK)
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let now = Instant::now();
    if let Some(ip) = client_ip(&req, &state.settings.trusted_proxies) {
        state
            .login_ip_limiter
            .check(ip, now)
            .map_err(|retry_after_secs| AppError::RateLimited { retry_after_secs })?;
    }
    if let Err(e) = crate::web::abuse::check_form_token(
        &state.secret_key,
        &form.form_token,
        chrono::Utc::now().timestamp(),
        0,
    ) {
        let error = FieldError::new("email", e.message());
        return render(
            &state,
            &form.email,
            &form.next,
            None,
            &[error],
            StatusCode::FORBIDDEN,
        );
    }
    let account = form.email.trim().to_lowercase();
    if let Some(wait) = state.login_failures.locked(&account, now) {
        let error = FieldError::new(
            "email",
            format!(
                "Too many wrong passwords for this account. Try again in {} minutes, or reset your password.",
                wait.div_ceil(60)
            ),
        );
        return render(
            &state,
            &form.email,
            &form.next,
            None,
            &[error],
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let lookup = account.clone();
    let person = db::run(&state.pool, move |c| Ok(staff::find_by_email(c, &lookup)?)).await?;
    let password = form.password.clone();
    let person = web::block(move || {
        let hash = person
            .as_ref()
            .and_then(|p| p.password_hash.clone())
            .unwrap_or_else(|| DUMMY_HASH.to_owned());
        let matches = crate::domain::verify_password(&password, &hash);
        person.filter(|p| matches && p.active && p.password_hash.is_some())
    })
    .await?;
    let Some(person) = person else {
        state.login_failures.fail(&account, now);
        let error = FieldError::new("email", "That email and password don't match an account.");
        return render(
            &state,
            &form.email,
            &form.next,
            None,
            &[error],
            StatusCode::UNAUTHORIZED,
        );
    };
    state.login_failures.clear(&account);
    let ip = client_ip(&req, &state.settings.trusted_proxies).map(|ip| ip.to_string());
    let id = person.id.clone();
    let actor = audit::Actor::Staff {
        id: person.id.clone(),
        name: person.name.clone(),
    };
    db::run(&state.pool, move |c| {
        staff::touch_login(c, &id)?;
        audit::record(
            c,
            &actor,
            "staff.sign_in",
            Some(id.as_str()),
            None,
            ip.as_deref(),
        )?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .cookie(session::start(&state, &person))
        .insert_header((LOCATION, safe_next(&form.next)))
        .finish())
}

#[derive(Debug, Default, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

/// Signing out ends every session of this person, on every device.
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    viewer.check_csrf(&state, &form.csrf)?;
    let id = viewer.id().clone();
    let actor = viewer.actor();
    let ip = client_ip(&req, &state.settings.trusted_proxies).map(|ip| ip.to_string());
    db::run(&state.pool, move |c| {
        staff::end_sessions(c, &id)?;
        audit::record(
            c,
            &actor,
            "staff.sign_out",
            Some(id.as_str()),
            None,
            ip.as_deref(),
        )?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .cookie(session::removal(&state))
        .insert_header((LOCATION, "/login?signed_out=1"))
        .finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_is_a_real_argon2id_hash() {
        assert!(argon2::password_hash::PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!crate::domain::verify_password("", DUMMY_HASH));
    }

    #[test]
    fn only_staff_paths_follow_a_sign_in() {
        for (next, want) in [
            ("/staff/notes/1", "/staff/notes/1"),
            ("https://evil.example/staff", "/staff"),
            ("//evil.example", "/staff"),
            ("/staff\\..\\", "/staff"),
            ("", "/staff"),
        ] {
            assert_eq!(safe_next(next), want);
        }
    }
}
