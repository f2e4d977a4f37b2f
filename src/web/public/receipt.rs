//! `/receipt/TOKEN`: the customer's private page, where they follow their note, withdraw
//! consent to publish it, or erase it. The unguessable token in the URL is the key.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::app::AppState;
use crate::db;
use crate::error::{AppError, FieldError};
use crate::store::{hash_token, receipts};
use crate::web::extract::ClientIp;
use crate::web::{forms, see_other};

#[derive(Debug, Deserialize)]
pub struct ReceiptQuery {
    #[serde(default)]
    sent: Option<String>,
    #[serde(default)]
    rotated: Option<String>,
    #[serde(default)]
    changed: Option<String>,
}

/// Which notice tops the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Notice {
    None,
    JustSent,
    Rotated {
        emailed: bool,
    },
    /// Withdrawing consent was asked for: the page asks them to confirm.
    ConfirmWithdraw,
    Withdrawn,
    ConsentGiven,
}

#[derive(Debug, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    confirm: String,
}

/// Only the shape of a real token reaches the database.
fn token_hash(token: &str) -> Result<String, AppError> {
    if crate::store::is_token(token) {
        Ok(hash_token(token))
    } else {
        Err(AppError::NotFound)
    }
}

async fn render(
    state: &AppState,
    token: &str,
    notice: Notice,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let hash = token_hash(token)?;
    let note = db::run(&state.pool, move |c| Ok(receipts::view(c, &hash)?)).await?;
    let mut ctx = tera::Context::new();
    ctx.insert("note", &note);
    ctx.insert("token", token);
    ctx.insert("just_sent", &(notice == Notice::JustSent));
    ctx.insert("rotated", &matches!(notice, Notice::Rotated { .. }));
    ctx.insert(
        "rotated_emailed",
        &matches!(notice, Notice::Rotated { emailed: true }),
    );
    ctx.insert("confirm_withdraw", &(notice == Notice::ConfirmWithdraw));
    ctx.insert("withdrawn", &(notice == Notice::Withdrawn));
    ctx.insert("consent_given", &(notice == Notice::ConsentGiven));
    ctx.insert("form_token", &forms::form_token(state));
    forms::insert_errors(&mut ctx, errors);
    forms::private_page("public/receipt.html", &ctx, status)
}

pub async fn show(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<ReceiptQuery>,
) -> Result<HttpResponse, AppError> {
    let notice = match (&query.sent, &query.rotated, query.changed.as_deref()) {
        (Some(_), _, _) => Notice::JustSent,
        (_, Some(how), _) => Notice::Rotated {
            emailed: how == "emailed",
        },
        (_, _, Some("withdrawn")) => Notice::Withdrawn,
        (_, _, Some("consented")) => Notice::ConsentGiven,
        _ => Notice::None,
    };
    render(&state, &token, notice, &[], StatusCode::OK).await
}

/// The customer's data export: everything held about their note, as JSON to keep.
pub async fn export(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let hash = token_hash(&token)?;
    let data = db::run(&state.pool, move |c| Ok(receipts::export(c, &hash)?)).await?;
    let reference = data["reference"].as_str().unwrap_or("note").to_owned();
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"heard-{reference}.json\""),
        ))
        .body(serde_json::to_string_pretty(&data).map_err(AppError::internal)?))
}

fn back_to(token: &str) -> HttpResponse {
    see_other(&format!("/receipt/{token}"))
}

/// Back to the receipt, which says what just changed.
fn changed(token: &str, what: &str) -> HttpResponse {
    let to = crate::web::with_query(&format!("/receipt/{token}"), &[("changed", what)]);
    see_other(&to)
}

/// The form's token spent, then the note's token checked: what an action on the receipt
/// needs before it runs.
async fn authorised(state: &AppState, token: &str, form: &ActionForm) -> Result<String, AppError> {
    check_token(state, form).await?;
    token_hash(token)
}

/// The form's token must be genuine and unused; it is spent here.
async fn check_token(state: &AppState, form: &ActionForm) -> Result<(), AppError> {
    let nonce = crate::web::abuse::check_form_token(
        &state.secret_key,
        &form.form_token,
        chrono::Utc::now().timestamp(),
        0,
    )
    .map_err(|e| AppError::BadRequest(e.message().into()))?;
    forms::spend(state, nonce)
        .await
        .map_err(|e| AppError::BadRequest(e.message))
}

pub async fn withdraw(
    state: web::Data<AppState>,
    ip: ClientIp,
    token: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AppError> {
    forms::rate_limit(&state, ip).await?;
    // The first press asks them to confirm, on the page itself (no script needed).
    if form.confirm != "yes" {
        token_hash(&token)?;
        return render(&state, &token, Notice::ConfirmWithdraw, &[], StatusCode::OK).await;
    }
    let hash = authorised(&state, &token, &form).await?;
    db::run(&state.pool, move |c| Ok(receipts::withdraw(c, &hash)?)).await?;
    Ok(changed(&token, "withdrawn"))
}

/// Consent given again after it was withdrawn: the story goes back to the managers.
pub async fn consent(
    state: web::Data<AppState>,
    ip: ClientIp,
    token: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AppError> {
    forms::rate_limit(&state, ip).await?;
    let hash = authorised(&state, &token, &form).await?;
    db::run(&state.pool, move |c| Ok(receipts::consent_again(c, &hash)?)).await?;
    Ok(changed(&token, "consented"))
}

pub async fn erase(
    state: web::Data<AppState>,
    ip: ClientIp,
    token: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AppError> {
    forms::rate_limit(&state, ip).await?;
    if form.confirm != "yes" {
        let error = FieldError::new(
            "confirm",
            "Tick the box to confirm that you want to erase your note.",
        );
        return render(
            &state,
            &token,
            Notice::None,
            &[error],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let hash = authorised(&state, &token, &form).await?;
    let scrubbed = db::run(&state.pool, move |c| Ok(receipts::erase(c, &hash)?)).await?;
    crate::web::remove_eml_files(&state, scrubbed).await?;
    Ok(back_to(&token))
}

/// A new private link: the old one stops working at once (say, it was forwarded by
/// mistake). The customer's address, if any, is sent the new one.
pub async fn rotate(
    state: web::Data<AppState>,
    ip: ClientIp,
    token: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AppError> {
    forms::rate_limit(&state, ip).await?;
    let hash = token_hash(&token)?;
    check_token(&state, &form).await?;
    let worker_state = state.clone();
    let (fresh, emailed) = db::run(&state.pool, move |c| {
        let links = crate::store::note_facts::Links {
            secret: &worker_state.secret_key,
            base_url: &worker_state.settings.base_url,
        };
        Ok(receipts::rotate(c, links, &hash)?)
    })
    .await?;
    state.mail_wakeup.notify_one();
    let rotated = [("rotated", if emailed { "emailed" } else { "1" })];
    let to = crate::web::with_query(&format!("/receipt/{fresh}"), &rotated);
    Ok(see_other(&to))
}
