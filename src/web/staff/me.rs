//! A staff member's own settings: whether they may be named on the public wall.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::done::{self, Done};
use super::{audited, page, team_name};
use crate::app::AppState;
use crate::error::{AppError, FieldError};
use crate::store::staff;
use crate::web::extract::{CsrfForm, Staff};

pub async fn show(state: web::Data<AppState>, viewer: Staff) -> Result<HttpResponse, AppError> {
    let team = team_name(&state, &viewer).await?;
    let ctx = tera::Context::new();
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
    Ok(done::see_other("/staff/me", Done::Saved))
}
