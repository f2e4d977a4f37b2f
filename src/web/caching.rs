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

use crate::app::AppState;
use crate::db;
use crate::error::AppError;
use crate::store::wall;

#[derive(Debug, Clone)]
pub struct Validators {
    etag: String,
    /// The second of the wall's latest change, once that second is over. Until then there is
    /// none: a copy stamped with the current second could miss a change later in that same
    /// second, which `If-Modified-Since` (whole seconds) could not tell apart.
    last_modified: Option<std::time::SystemTime>,
}

impl Validators {
    /// Validators for this request given the wall's `version` and `look` (what the brand
    /// draws pages with: another instance may take a few seconds to follow a change).
    pub fn new(version: wall::Version, req: &HttpRequest, look: &str) -> Self {
        use sha2::{Digest, Sha256};
        let key = format!(
            "{}\0{}\0{}\0{look}",
            version.counter,
            req.path(),
            req.query_string()
        );
        let digest = Sha256::digest(key.as_bytes());
        let hex = hex::encode(&digest[..12]);
        let last_modified = u64::try_from(version.changed_at)
            .ok()
            .filter(|_| version.now > version.changed_at)
            .map(|secs| std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs));
        Self {
            etag: format!("\"{hex}\""),
            last_modified,
        }
    }

    /// Whether the client's copy is current. `If-None-Match` wins over `If-Modified-Since`,
    /// which counts only once the latest change's second is over.
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
            (Some(since), Some(modified)) => modified <= std::time::SystemTime::from(since),
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
            .and_then(|m| HeaderValue::from_str(&HttpDate::from(m).to_string()).ok())
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
    let brand = crate::templates::current_brand();
    let look = format!("{}\0{:?}\0{:?}", brand.name, brand.stylesheet, brand.logo);
    let version = match req.app_data::<web::Data<AppState>>() {
        Some(state) => db::run(&state.pool, |c| Ok(wall::version(c)?)).await,
        None => Err(AppError::internal(anyhow::anyhow!("no app state"))),
    };
    let validators = match version {
        Ok(version) => Validators::new(version, req.request(), &look),
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

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use actix_web::test::TestRequest;

    use super::*;

    const SECOND: i64 = 1_795_000_000;

    fn version(counter: i64, changed_at: i64, now: i64) -> wall::Version {
        wall::Version {
            counter,
            changed_at,
            now,
        }
    }

    #[test]
    fn last_modified_waits_until_the_changes_second_is_over() {
        let req = TestRequest::get().uri("/wall").to_http_request();
        let now = Validators::new(version(7, SECOND, SECOND), &req, "");
        assert_eq!(
            now.last_modified, None,
            "a later change this second would share it"
        );
        let later = Validators::new(version(7, SECOND, SECOND + 1), &req, "");
        let second = UNIX_EPOCH + Duration::from_secs(SECOND.unsigned_abs());
        assert_eq!(later.last_modified, Some(second));
        assert_eq!(now.etag, later.etag, "the ETag is the version's alone");
    }

    #[test]
    fn an_old_date_or_tag_is_never_current_after_a_change() {
        let plain = TestRequest::get().uri("/wall").to_http_request();
        let before = Validators::new(version(7, SECOND, SECOND + 5), &plain, "");
        let mut headers = HeaderMap::new();
        before.apply(&mut headers);
        // A client sends back what it was given.
        let ask = |name: header::HeaderName, given: header::HeaderName| {
            let value = headers.get(&given).cloned().unwrap();
            TestRequest::get()
                .uri("/wall")
                .insert_header((name, value))
                .to_http_request()
        };
        let by_date = ask(header::IF_MODIFIED_SINCE, header::LAST_MODIFIED);
        let by_tag = ask(header::IF_NONE_MATCH, header::ETAG);
        assert!(before.fresh(&by_date) && before.fresh(&by_tag));
        // A change after the date was given is in a later second, with another counter.
        let after = Validators::new(version(8, SECOND + 5, SECOND + 6), &plain, "");
        assert!(!after.fresh(&by_date));
        assert!(!after.fresh(&by_tag));
        // Another page of the same version has its own tag.
        let other = TestRequest::get().uri("/wall?tag=x").to_http_request();
        let other = Validators::new(version(7, SECOND, SECOND + 5), &other, "");
        assert!(!other.fresh(&by_tag));
    }
}
