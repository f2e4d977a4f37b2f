//! Static files (CSS, icons, small scripts), embedded in the binary.

use actix_web::http::header::{self, ETag, EntityTag};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::AppError;

const FILES: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../static/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/app.js"),
    ),
    (
        "card.css",
        "text/css; charset=utf-8",
        include_str!("../../static/card.css"),
    ),
    (
        "icon.svg",
        "image/svg+xml",
        include_str!("../../static/icon.svg"),
    ),
    (
        "suggest.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/suggest.js"),
    ),
];

/// A weak validator that changes whenever the binary's copy of the file does.
fn etag(body: &str) -> EntityTag {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(body.as_bytes());
    EntityTag::new_strong(hex::encode(&digest[..8]))
}

pub async fn serve(req: HttpRequest, file: web::Path<String>) -> Result<HttpResponse, AppError> {
    let (_, mime, body) = FILES
        .iter()
        .find(|(name, _, _)| *name == file.as_str())
        .ok_or(AppError::NotFound)?;
    let tag = etag(body);
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag.to_string()));
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header(ETag(tag))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"));
    if fresh {
        return Ok(res.finish());
    }
    Ok(res.content_type(*mime).body(*body))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_static_file_is_served() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(
                super::FILES.iter().any(|(n, _, _)| *n == name),
                "static/{name} is not listed in src/web/assets.rs"
            );
        }
    }
}
