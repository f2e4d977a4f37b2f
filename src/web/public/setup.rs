//! `/setup`: the one-time page that creates the first admin, reachable only with the link
//! `heard serve` prints while no admin exists. The single-use, 256-bit token in the form is
//! what authorises the request, so it also protects it from cross-site forgery.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::db::{self, DbConn, write_tx};
use crate::domain::{Email, Password, PersonName, StaffFields, StaffInput};
use crate::error::{AppError, FieldError};
use crate::store::audit::Actor;
use crate::store::staff::{self, AddError, NewMember};
use crate::store::tokens::{self, TokenKind};
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
        role: "admin".into(),
        ..StaffFields::default()
    };
    match (StaffInput::parse(&fields), password) {
        (Ok(input), Ok(password)) if errors.is_empty() => Ok((input, password)),
        _ => Err(errors),
    }
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<SetupForm>,
) -> Result<HttpResponse, AppError> {
    forms::rate_limit(&req, &state).await?;
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
    let ip = req.peer_addr().map(|a| a.ip().to_string());
    let token = form.token.clone();
    let email = input.email.to_string();
    let result = db::run(&state.pool, move |c| {
        write_tx(c, |c| {
            check_token(c, &token)?;
            let members = [NewMember {
                input,
                password_hash: Some(hash),
            }];
            let added = match staff::add_all(c, &members, &Actor::System("setup")) {
                Ok(added) => added,
                Err(AddError::Rows(rows)) => {
                    return Ok(Err(rows.into_iter().map(|r| r.error).collect::<Vec<_>>()));
                }
                Err(AddError::Db(e)) => return Err(e.into()),
            };
            tokens::use_up_all(c, TokenKind::Setup)?;
            let admin = &added[0];
            crate::store::audit::record(
                c,
                &Actor::Staff {
                    id: admin.id.clone(),
                    name: admin.name.clone(),
                },
                "setup.first_admin",
                Some(admin.id.as_str()),
                None,
                ip.as_deref(),
            )?;
            Ok::<_, AppError>(Ok(()))
        })
    })
    .await?;
    if let Err(errors) = result {
        return render(&form, &errors, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let mut ctx = tera::Context::new();
    ctx.insert("email", &email);
    crate::web::page("public/setup_done.html", &ctx)
}
