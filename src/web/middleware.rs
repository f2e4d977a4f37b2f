//! Request ids (on every log line and response) and the security headers every page carries.

use std::time::Instant;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

/// The id of the request being handled, also sent back as `X-Request-Id`.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = uuid::Uuid::now_v7().simple().to_string();
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.path(),
    );
    let started = Instant::now();
    let mut res = next.call(req).instrument(span.clone()).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    let status = res.status().as_u16();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(status, elapsed_ms, "request handled");
        } else {
            tracing::info!(status, elapsed_ms, "request handled");
        }
    });
    Ok(res)
}

/// Re-sends the session cookie when the session's idle clock was pushed forward.
pub async fn session_refresh(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let refresh = res
        .request()
        .extensions()
        .get::<crate::web::session::Refresh>()
        .cloned();
    if let Some(crate::web::session::Refresh(cookie)) = refresh
        && let Ok(value) = HeaderValue::from_str(&cookie.to_string())
    {
        res.headers_mut()
            .append(actix_web::http::header::SET_COOKIE, value);
    }
    Ok(res)
}

/// A strict policy: no inline script or style, no framing (the embed route sets its own).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";

/// Headers added to every response that does not set its own. `/embed/` pages may be
/// framed by the origins their own `frame-ancestors` allows, so they get no `X-Frame-Options`.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let embed = req.path().starts_with("/embed/");
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    let mut add = |name: &'static str, value: &'static str| {
        let name = HeaderName::from_static(name);
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    add("content-security-policy", CONTENT_SECURITY_POLICY);
    add("x-content-type-options", "nosniff");
    add("referrer-policy", "same-origin");
    add("cross-origin-opener-policy", "same-origin");
    add(
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    );
    if !embed {
        add("x-frame-options", "DENY");
    }
    Ok(res)
}
