//! Conditional GET for the public wall (pages, feed, embed and the stories API): an `ETag`
//! from the latest change to what the wall shows (and the exact request), `Last-Modified`,
//! and 304 when the client is up to date. `Cache-Control: no-cache` makes every cache ask
//! again, so a withdrawal is seen at once. [`wall_validators`] does it for every route that
//! `routes` marks as showing the wall; their handlers only answer.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue, HttpDate};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;

use crate::app::AppState;
use crate::db;
use crate::error::AppError;
use crate::store::wall;

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
        let hex = hex::encode(&digest[..12]);
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

    /// Adds the validators to a response's headers.
    pub fn apply(&self, headers: &mut HeaderMap) {
        if let Ok(etag) = HeaderValue::from_str(&self.etag) {
            headers.insert(header::ETAG, etag);
        }
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        if let Some(modified) = self
            .last_modified
            .and_then(|m| HeaderValue::from_str(&m.to_string()).ok())
        {
            headers.insert(header::LAST_MODIFIED, modified);
        }
    }

    pub fn not_modified(&self) -> HttpResponse {
        let mut res = HttpResponse::NotModified().finish();
        self.apply(res.headers_mut());
        res
    }
}

/// Middleware for a route that shows the wall: a 200 to a `GET` or `HEAD` gets the
/// validators, and becomes a 304 when the client's copy is current. The handler runs first,
/// so a request that would not be a 200 (a missing or withdrawn story, a bad query) keeps
/// its answer whatever its preconditions say (RFC 9110, section 13.2.1).
pub async fn wall_validators(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let version = match req.app_data::<web::Data<AppState>>() {
        Some(state) => db::run(&state.pool, |c| Ok(wall::version(c)?)).await,
        None => Err(AppError::internal(anyhow::anyhow!("no app state"))),
    };
    let validators = match version {
        Ok(version) => Validators::new(version, req.request()),
        Err(e) => return Ok(req.error_response(e).map_into_right_body()),
    };
    let fresh = validators.fresh(req.request());
    let mut res = next.call(req).await?;
    if res.status() != StatusCode::OK {
        return Ok(res.map_into_left_body());
    }
    if fresh {
        let (req, _) = res.into_parts();
        return Ok(ServiceResponse::new(req, validators.not_modified()).map_into_right_body());
    }
    validators.apply(res.headers_mut());
    Ok(res.map_into_left_body())
}
