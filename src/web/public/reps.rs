//! Finding the rep: search by name (`/reps?q=`), the form's "who helped you" text read as a
//! handle or a name, a rep's QR code and printable card.

use actix_web::{HttpResponse, web};
use qrcode::QrCode;
use qrcode::render::svg;
use serde::Deserialize;

use crate::app::AppState;
use crate::db;
use crate::domain::NoteKind;
use crate::error::AppError;
use crate::store::staff::{self, RepProfile};

pub const SEARCH_LIMIT: i64 = 20;

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: String,
}

pub async fn find(state: &AppState, q: String) -> Result<Vec<RepProfile>, AppError> {
    if q.trim().is_empty() {
        return Ok(Vec::new());
    }
    db::run(&state.pool, move |c| {
        Ok(staff::search(c, &q, SEARCH_LIMIT)?)
    })
    .await
}

/// Whom the customer's "who helped you" text names.
#[derive(Debug)]
pub enum Named {
    /// They left it empty.
    Nobody,
    One(RepProfile),
    /// Several people match: the customer chooses.
    Several(Vec<RepProfile>),
    /// A handle no one customers can find has, nor any name: the intake decides (the card
    /// of someone who left still reaches their team).
    Unlisted,
    NoMatch,
}

/// Reads the form's "who helped you" text: the handle of someone customers can thank, else
/// a name (or part of one) searched for as `/reps?q=` does; else a handle is left to the
/// intake, as the JSON API's `rep_handle` is.
pub async fn resolve(state: &AppState, text: &str) -> Result<Named, AppError> {
    let text: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(60)
        .collect();
    if text.is_empty() {
        return Ok(Named::Nobody);
    }
    let handle = crate::domain::Handle::parse(&text).ok();
    db::run(&state.pool, move |c| {
        if let Some(handle) = &handle
            && let Some(rep) = staff::thankable(c, handle.as_str())?
        {
            return Ok(Named::One(rep));
        }
        let mut found = staff::search(c, &text, SEARCH_LIMIT)?;
        Ok(match found.len() {
            0 if handle.is_some() => Named::Unlisted,
            0 => Named::NoMatch,
            1 => Named::One(found.remove(0)),
            _ => Named::Several(found),
        })
    })
    .await
}

/// `GET /reps?q=`: works without JavaScript; `suggest.js` adds suggestions as you type.
pub async fn search(
    state: web::Data<AppState>,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let q: String = query.q.trim().chars().take(60).collect();
    let reps = find(&state, q.clone()).await?;
    let mut ctx = tera::Context::new();
    ctx.insert("q", &q);
    ctx.insert("reps", &reps);
    let kind = if query.kind == NoteKind::Complaint.as_str() {
        NoteKind::Complaint
    } else {
        NoteKind::Thanks
    };
    ctx.insert("kind", &kind);
    crate::web::page("public/reps.html", &ctx)
}

async fn profile(state: &AppState, handle: &str) -> Result<RepProfile, AppError> {
    let handle = crate::domain::Handle::parse(handle).map_err(|_| AppError::NotFound)?;
    db::run(&state.pool, move |c| {
        Ok(staff::profile(c, handle.as_str())?)
    })
    .await?
    .ok_or(AppError::NotFound)
}

fn personal_link(state: &AppState, handle: &str) -> String {
    format!("{}/to/{handle}", state.settings.base_url)
}

/// `GET /to/HANDLE/qr.svg`: a QR code of the rep's personal link, drawn on the server.
pub async fn qr(
    state: web::Data<AppState>,
    handle: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let rep = profile(&state, &handle).await?;
    let code =
        QrCode::new(personal_link(&state, &rep.handle).as_bytes()).map_err(AppError::internal)?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(image))
}

/// `GET /to/HANDLE/card`: printable thank-you cards and an email-signature line.
pub async fn card(
    state: web::Data<AppState>,
    handle: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let rep = profile(&state, &handle).await?;
    let mut ctx = tera::Context::new();
    ctx.insert("link", &personal_link(&state, &rep.handle));
    ctx.insert("rep", &rep);
    crate::web::page("public/card.html", &ctx)
}
