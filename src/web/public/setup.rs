//! `/setup`: the one-time page that creates the first admin, reachable only with the link
//! `heard serve` prints while no admin exists. The single-use, 256-bit token in the form is
//! what authorises the request, so it also protects it from cross-site forgery.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::db::{self, DbConn, write_tx};
use crate::domain::{Email, Password, PersonName, Role, StaffFields, StaffInput};
use crate::error::{AppError, FieldError};
use crate::store::StoreError;
use crate::store::audit::Actor;
use crate::store::staff::{self, NewMember};
use crate::store::tokens::{self, TokenKind};
use crate::web::extract::ClientIp;
use crate::web::forms;

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct SetupForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default, skip_serializing)]
    password: String,
    #[serde(default, skip_serializing)]
    password_confirm: String,
}

fn check_token(conn: &mut DbConn, token: &str) -> Result<(), AppError> {
    if staff::any_active_admin(conn)? {
        return Err(AppError::Denied(
            "Heard is already set up. Sign in, or ask an admin for an invitation.".into(),
        ));
    }
    if !tokens::is_valid(conn, TokenKind::Setup, token)? {
        return Err(AppError::Denied(
            "This setup link is not valid or has expired. Restart Heard to print a new one.".into(),
        ));
    }
    Ok(())
}

fn render(
    form: &SetupForm,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let mut ctx = tera::Context::new();
    ctx.insert("token", &form.token);
    ctx.insert("form", form);
    forms::insert_errors(&mut ctx, errors);
    forms::page_with_status("public/setup.html", &ctx, status)
}

pub async fn show(
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    let token = query.into_inner().token;
    let checked = token.clone();
    db::run(&state.pool, move |c| check_token(c, &checked)).await?;
    let form = SetupForm {
        token,
        ..SetupForm::default()
    };
    render(&form, &[], StatusCode::OK)
}

fn validate(form: &SetupForm) -> Result<(StaffInput, Password), Vec<FieldError>> {
    let mut errors = Vec::new();
    if let Err(e) = PersonName::parse(&form.name) {
        errors.push(FieldError::new("name", e.0));
    }
    if let Err(e) = Email::parse(&form.email) {
        errors.push(FieldError::new("email", e.0));
    }
    let password = Password::parse(&form.password);
    if let Err(e) = &password {
        errors.push(FieldError::new("password", e.0.clone()));
    } else if form.password != form.password_confirm {
        errors.push(FieldError::new(
            "password_confirm",
            "The two passwords differ.",
        ));
    }
    let fields = StaffFields {
        name: form.name.clone(),
        email: form.email.clone(),
        role: Role::Admin.to_string(),
        ..StaffFields::default()
    };
    match (StaffInput::parse(&fields), password) {
        (Ok(input), Ok(password)) if errors.is_empty() => Ok((input, password)),
        _ => Err(errors),
    }
}

/// Adds the first admin and spends every setup link, if the link is still good (what to fix
/// is `AppError::Invalid`).
fn add_first_admin(
    c: &mut DbConn,
    token: &str,
    member: NewMember,
    ip: Option<&str>,
) -> Result<(), AppError> {
    check_token(c, token)?;
    let added = staff::add_all(c, &[member], &Actor::System("setup")).map_err(StoreError::from)?;
    tokens::use_up_all(c, TokenKind::Setup)?;
    let admin = added
        .first()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no one was added")))?;
    let actor = Actor::Staff {
        id: admin.id.clone(),
        name: admin.name.clone(),
    };
    let subject = Some(admin.id.as_str());
    crate::store::audit::record(c, &actor, "setup.first_admin", subject, None, ip)?;
    Ok(())
}

pub async fn create(
    state: web::Data<AppState>,
    ip: ClientIp,
    form: web::Form<SetupForm>,
) -> Result<HttpResponse, AppError> {
    forms::rate_limit(&state, ip).await?;
    let form = form.into_inner();
    let token = form.token.clone();
    db::run(&state.pool, move |c| check_token(c, &token)).await?;
    let (input, password) = match validate(&form) {
        Ok(valid) => valid,
        Err(errors) => return render(&form, &errors, StatusCode::UNPROCESSABLE_ENTITY),
    };
    // Hashing is deliberately slow: keep it off the executor and outside the transaction.
    let hash = web::block(move || password.hash())
        .await?
        .map_err(|e| AppError::internal(anyhow::anyhow!(e.0)))?;
    let (token, ip, email) = (form.token.clone(), ip.text(), input.email.to_string());
    let member = NewMember {
        input,
        password_hash: Some(hash),
    };
    let result = db::run(&state.pool, move |c| {
        write_tx(c, |c| add_first_admin(c, &token, member, ip.as_deref()))
    })
    .await;
    match result {
        Err(AppError::Invalid(errors)) => {
            return render(&form, &errors, StatusCode::UNPROCESSABLE_ENTITY);
        }
        other => other?,
    }
    let mut ctx = tera::Context::new();
    ctx.insert("email", &email);
    crate::web::page("public/setup_done.html", &ctx)
}
