//! A staff member's own settings: whether they may be named on the public wall, their
//! password, and their photo (`photo`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::done::{self, Done};
use super::{audited, page, team_name};
use crate::app::AppState;
use crate::domain::{Password, verify_password};
use crate::error::{AppError, FieldError};
use crate::store::staff;
use crate::web::extract::{CsrfForm, Staff};
use crate::web::{forms, session};

pub async fn show(state: web::Data<AppState>, viewer: Staff) -> Result<HttpResponse, AppError> {
    render(&state, &viewer, &[], StatusCode::OK).await
}

/// The page, with what to fix in one of its forms.
pub async fn render(
    state: &AppState,
    viewer: &Staff,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let team = team_name(state, viewer).await?;
    let mut ctx = tera::Context::new();
    forms::insert_errors(&mut ctx, errors);
    let mut res = page("staff/me.html", ctx, viewer, team, "me")?;
    *res.status_mut() = status;
    Ok(res)
}

#[derive(Debug, Default, Deserialize)]
pub struct NamingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    public_naming: String,
}

crate::csrf_field!(NamingForm);

pub async fn naming(
    state: web::Data<AppState>,
    viewer: Staff,
    form: CsrfForm<NamingForm>,
) -> Result<HttpResponse, AppError> {
    let allowed = match form.public_naming.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            return Err(AppError::Invalid(vec![FieldError::new(
                "public_naming",
                "Choose whether you may be named.",
            )]));
        }
    };
    let id = viewer.id().clone();
    let subject = id.to_string();
    audited(&state, &viewer, "staff.public_naming", subject, move |c| {
        Ok(staff::set_public_naming(c, &id, allowed)?)
    })
    .await?;
    Ok(done::see_other("/staff/me", Done::Saved))
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordChangeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

crate::csrf_field!(PasswordChangeForm);

/// The new password, or what to fix (the current one is checked against `stored`).
fn check_change(
    form: &PasswordChangeForm,
    stored: Option<&str>,
) -> Result<Password, Vec<FieldError>> {
    let mut errors = Vec::new();
    if !stored.is_some_and(|hash| verify_password(&form.current_password, hash)) {
        errors.push(FieldError::new(
            "current_password",
            "That is not your current password.",
        ));
    }
    let password = Password::parse(&form.password);
    match &password {
        Err(e) => errors.push(FieldError::new("password", e.0.clone())),
        Ok(_) if form.password != form.password_confirm => {
            errors.push(FieldError::new(
                "password_confirm",
                "The two new passwords differ.",
            ));
        }
        Ok(_) => {}
    }
    match password {
        Ok(p) if errors.is_empty() => Ok(p),
        _ => Err(errors),
    }
}

/// `POST /staff/me/password`: a new password (argon2id, as everywhere); every other session
/// of this person ends, and this browser gets a fresh session.
pub async fn change_password(
    state: web::Data<AppState>,
    viewer: Staff,
    form: CsrfForm<PasswordChangeForm>,
) -> Result<HttpResponse, AppError> {
    forms::rate_limit(&state, viewer.ip).await?;
    let asked = PasswordChangeForm {
        csrf: String::new(),
        current_password: form.current_password.clone(),
        password: form.password.clone(),
        password_confirm: form.password_confirm.clone(),
    };
    let stored = viewer.staff.password_hash.clone();
    let checked = web::block(move || check_change(&asked, stored.as_deref())).await?;
    let password = match checked {
        Ok(password) => password,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render(&state, &viewer, &errors, status).await;
        }
    };
    let hash = web::block(move || password.hash())
        .await?
        .map_err(|e| AppError::internal(anyhow::anyhow!(e.0)))?;
    let id = viewer.id().clone();
    let person = audited(
        &state,
        &viewer,
        "staff.change_password",
        id.to_string(),
        move |c| {
            staff::set_password(c, &id, &hash)?;
            staff::find(c, &id)?.ok_or(AppError::NotFound)
        },
    )
    .await?;
    let mut res = done::see_other("/staff/me", Done::PasswordChanged);
    res.add_cookie(&session::start(&state, &person))
        .map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
    Ok(res)
}
