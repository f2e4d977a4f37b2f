//! A staff member's own settings: whether they may be named on the public wall.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{audited, page, team_name};
use crate::app::AppState;
use crate::error::{AppError, FieldError};
use crate::store::staff;
use crate::web::extract::{CsrfForm, Staff};

#[derive(Debug, Default, Deserialize)]
pub struct MeQuery {
    #[serde(default)]
    saved: Option<String>,
}

pub async fn show(
    state: web::Data<AppState>,
    viewer: Staff,
    query: web::Query<MeQuery>,
) -> Result<HttpResponse, AppError> {
    let team = team_name(&state, &viewer).await?;
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
    Ok(crate::web::see_other("/staff/me?saved=1"))
}
