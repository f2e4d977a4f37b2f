//! Conditional GET for the public wall: an `ETag` from the latest change to what the wall
//! shows (and the exact request), `Last-Modified`, and 304 when the client is up to date.
//! `Cache-Control: no-cache` makes every cache ask again, so a withdrawal is seen at once.

use actix_web::http::header::{self, HttpDate};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use chrono::NaiveDateTime;

#[derive(Debug, Clone)]
pub struct Validators {
    etag: String,
    last_modified: Option<HttpDate>,
}

impl Validators {
    /// Validators for this request given the wall's `version` (its latest change).
    pub fn new(version: Option<NaiveDateTime>, req: &HttpRequest) -> Self {
        use sha2::{Digest, Sha256};
        let micros = version.map_or(0, |v| v.and_utc().timestamp_micros());
        let key = format!("{micros}\0{}\0{}", req.path(), req.query_string());
        let digest = Sha256::digest(key.as_bytes());
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        let last_modified = version.map(|v| {
            let secs = u64::try_from(v.and_utc().timestamp()).unwrap_or(0);
            HttpDate::from(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
        });
        Self {
            etag: format!("\"{hex}\""),
            last_modified,
        }
    }

    /// Whether the client's copy is current (`If-None-Match` wins over `If-Modified-Since`).
    pub fn fresh(&self, req: &HttpRequest) -> bool {
        let headers = req.headers();
        if let Some(tags) = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
        {
            return tags
                .split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == self.etag || t == "*");
        }
        match (
            headers
                .get(header::IF_MODIFIED_SINCE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<HttpDate>().ok()),
            self.last_modified,
        ) {
            (Some(since), Some(modified)) => {
                std::time::SystemTime::from(modified) <= std::time::SystemTime::from(since)
            }
            _ => false,
        }
    }

    /// Adds the validators to a response.
    pub fn apply<'a>(&self, res: &'a mut HttpResponseBuilder) -> &'a mut HttpResponseBuilder {
        res.insert_header((header::ETAG, self.etag.clone()))
            .insert_header((header::CACHE_CONTROL, "no-cache"));
        if let Some(modified) = self.last_modified {
            res.insert_header(header::LastModified(modified));
        }
        res
    }

    pub fn not_modified(&self) -> HttpResponse {
        self.apply(&mut HttpResponse::NotModified()).finish()
    }
}
