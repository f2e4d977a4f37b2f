//! Static files (CSS, icons, small scripts), embedded in the binary.

use actix_web::http::header::{self, ETag, EntityTag};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::AppError;

/// Every file under `static/` (and `app.css`, joined from `static/css/`), listed by `build.rs`.
const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/static.rs"));

/// The media type of a static file, from its extension.
fn mime(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        _ => "text/plain; charset=utf-8",
    }
}

/// A weak validator that changes whenever the binary's copy of the file does.
fn etag(body: &str) -> EntityTag {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(body.as_bytes());
    EntityTag::new_strong(hex::encode(&digest[..8]))
}

pub async fn serve(req: HttpRequest, file: web::Path<String>) -> Result<HttpResponse, AppError> {
    let (name, body) = FILES
        .iter()
        .find(|(name, _)| *name == file.as_str())
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
    Ok(res.content_type(mime(name)).body(*body))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_static_file_is_served_with_its_type() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name == "css" {
                continue;
            }
            assert!(super::FILES.iter().any(|(n, _)| *n == name), "{name}");
            assert!(!super::mime(&name).starts_with("text/plain"), "{name}");
        }
    }

    #[test]
    fn app_css_joins_every_part_in_order() {
        let (_, css) = super::FILES.iter().find(|(n, _)| *n == "app.css").unwrap();
        let base = css.find("/* 00-base.css */").expect("the base part");
        assert!(
            css[base..].contains("--accent"),
            "the base part's text follows its name"
        );
    }
}
