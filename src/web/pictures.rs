//! `GET /pictures/{id}`: a stored picture (a staff photo at one size, the logo). Its id is
//! its content's hash, so it is cached for a year; an unknown id is 404.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::app::AppState;
use crate::db;
use crate::error::AppError;
use crate::store::pictures;

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
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    if !well_formed(&id) {
        return Err(AppError::NotFound);
    }
    let etag = format!("\"{id}\"");
    let picture = db::run(&state.pool, move |c| Ok(pictures::find(c, &id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(picture.content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
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
