//! A staff member's own settings: whether they may be named on the public wall.

use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::page;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, FieldError};
use crate::store::{audit, staff, teams};
use crate::web::abuse::client_ip;
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
    let (id, actor) = (viewer.id().clone(), viewer.actor());
    let ip = client_ip(&req, &state.settings.trusted_proxies).map(|ip| ip.to_string());
    db::run(&state.pool, move |c| {
        staff::set_public_naming(c, &id, allowed)?;
        let detail = if allowed {
            "named on the wall"
        } else {
            "not named on the wall"
        };
        audit::record(
            c,
            &actor,
            "staff.public_naming",
            Some(id.as_str()),
            Some(detail),
            ip.as_deref(),
        )?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, "/staff/me?saved=1"))
        .finish())
}
