//! `GET /pictures/{id}`: a stored picture (a staff photo at one size, the logo). Its id is
//! its content's hash, so the logo is cached for a year; a photo is shown to everyone only
//! while its rep is named in public (cached a day), otherwise to signed-in staff alone
//! (privately). An unknown or hidden id is 404.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::app::AppState;
use crate::db;
use crate::error::AppError;
use crate::store::pictures;
use crate::web::extract::Staff;

/// Whether `id` looks like one Heard gives out: 16 hex digits, `-`, a size or `logo`.
fn well_formed(id: &str) -> bool {
    let Some((hash, variant)) = id.split_once('-') else {
        return false;
    };
    hash.len() == 16
        && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        && (variant == "logo"
            || crate::pictures::PHOTO_SIZES
                .iter()
                .any(|s| s.to_string() == variant))
}

pub async fn serve(
    state: web::Data<AppState>,
    id: web::Path<String>,
    staff: Option<Staff>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    if !well_formed(&id) {
        return Err(AppError::NotFound);
    }
    let etag = format!("\"{id}\"");
    let logo = id.ends_with("-logo");
    let (picture, public) = db::run(&state.pool, move |c| {
        Ok((pictures::find(c, &id)?, pictures::is_public(c, &id)?))
    })
    .await?;
    let picture = picture.ok_or(AppError::NotFound)?;
    let caching = match (public, staff.is_some()) {
        (true, _) if logo => "public, max-age=31536000, immutable",
        (true, _) => "public, max-age=86400",
        (false, true) => "private, max-age=3600",
        (false, false) => return Err(AppError::NotFound),
    };
    Ok(HttpResponse::Ok()
        .content_type(picture.content_type)
        .insert_header((header::CACHE_CONTROL, caching))
        .insert_header((header::ETAG, etag))
        .body(picture.body))
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_ids_heard_gives_out_are_looked_up() {
        assert!(super::well_formed("0123456789abcdef-256"));
        assert!(super::well_formed("0123456789abcdef-logo"));
        for bad in [
            "0123456789abcdef-255",
            "0123456789ABCDEF-64",
            "x-64",
            "0123456789abcdef",
            "../../etc-64",
        ] {
            assert!(!super::well_formed(bad), "{bad}");
        }
    }
}
