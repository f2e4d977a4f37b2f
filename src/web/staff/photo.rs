//! A staff member's photo, uploaded at `/staff/me`: decoded and drawn again (see
//! `crate::pictures`), kept at a few sizes, shown to customers unless they chose not to be
//! named; or removed, leaving their initials.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::audited;
use super::done::{self, Done};
use crate::app::AppState;
use crate::error::{AppError, FieldError};
use crate::store::pictures;
use crate::web::extract::{CsrfForm, CsrfOnly, Staff};

/// `POST /staff/me/photo` (multipart: `csrf`, `file`).
pub async fn upload(
    state: web::Data<AppState>,
    viewer: Staff,
    parts: Multipart,
) -> Result<HttpResponse, AppError> {
    let too_big = "That picture is too large: up to 5 MB, please.";
    let upload = crate::web::uploads::read(parts, crate::pictures::UPLOAD_LIMIT, too_big).await?;
    viewer.check_csrf(&state, upload.field("csrf"))?;
    let drawn = web::block(move || crate::pictures::photo(&upload.file)).await?;
    let set = match drawn {
        Ok(set) => set,
        Err(e) => {
            let errors = [FieldError::new("file", e.0)];
            return super::me::render(&state, &viewer, &errors, StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
    };
    let id = viewer.id().clone();
    audited(&state, &viewer, "staff.photo", id.to_string(), move |c| {
        Ok(pictures::set_photo(c, &id, Some(&set))?)
    })
    .await?;
    Ok(done::see_other("/staff/me", Done::PhotoSaved))
}

/// `POST /staff/me/photo/remove`.
pub async fn remove(
    state: web::Data<AppState>,
    viewer: Staff,
    _form: CsrfForm<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    let id = viewer.id().clone();
    audited(
        &state,
        &viewer,
        "staff.photo_removed",
        id.to_string(),
        move |c| Ok(pictures::set_photo(c, &id, None)?),
    )
    .await?;
    Ok(done::see_other("/staff/me", Done::PhotoRemoved))
}
