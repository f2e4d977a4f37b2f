//! A staff member's own settings: whether they may be named on the public wall.

use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{audited, page};
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, FieldError};
use crate::store::{staff, teams};
use crate::web::session::Viewer;

#[derive(Debug, Default, Deserialize)]
pub struct MeQuery {
    #[serde(default)]
    saved: Option<String>,
}

pub async fn show(
    state: web::Data<AppState>,
    viewer: Viewer,
    query: web::Query<MeQuery>,
) -> Result<HttpResponse, AppError> {
    let team = match viewer.staff.team_id.clone() {
        Some(t) => Some(db::run(&state.pool, move |c| Ok(teams::find(c, &t)?.name)).await?),
        None => None,
    };
    let mut ctx = tera::Context::new();
    ctx.insert("saved", &query.saved.is_some());
    page("staff/me.html", ctx, &viewer, team, "me")
}

#[derive(Debug, Default, Deserialize)]
pub struct NamingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    public_naming: String,
}

pub async fn naming(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    form: web::Form<NamingForm>,
) -> Result<HttpResponse, AppError> {
    viewer.check_csrf(&state, &form.csrf)?;
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
    audited(
        &req,
        &state,
        &viewer,
        "staff.public_naming",
        id.to_string(),
        move |c| Ok(staff::set_public_naming(c, &id, allowed)?),
    )
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, "/staff/me?saved=1"))
        .finish())
}
