//! Request ids (on every log line and response), request targets with their secret tokens
//! redacted for the log, and the security headers every page carries.

use std::borrow::Cow;
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
        path = %redact_target(
            req.uri()
                .path_and_query()
                .map_or(req.path(), |pq| pq.as_str())
        ),
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

/// What a redacted secret reads as in the log.
pub const REDACTED: &str = "[redacted]";

/// Path prefixes whose next segment is a secret token: receipt links, invitations and
/// password resets.
const TOKEN_PATHS: &[&str] = &["/receipt/", "/invite/", "/password/reset/"];

/// A request target (path and query) as it may be logged: the token segment of a receipt,
/// invitation or reset link, and the value of any query parameter whose name ends in
/// `token` (`/setup?token=…`), become `[redacted]`.
pub fn redact_target(target: &str) -> Cow<'_, str> {
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let mut out = String::new();
    let mut changed = false;
    match TOKEN_PATHS.iter().find_map(|prefix| {
        path.strip_prefix(prefix)
            .filter(|rest| !rest.is_empty())
            .map(|rest| (prefix, rest))
    }) {
        Some((prefix, rest)) => {
            out.push_str(prefix);
            out.push_str(REDACTED);
            if let Some(slash) = rest.find('/') {
                out.push_str(&rest[slash..]);
            }
            changed = true;
        }
        None => out.push_str(path),
    }
    if let Some(query) = query {
        out.push('?');
        for (i, pair) in query.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            match pair.split_once('=') {
                Some((name, _)) if name.to_ascii_lowercase().ends_with("token") => {
                    out.push_str(name);
                    out.push('=');
                    out.push_str(REDACTED);
                    changed = true;
                }
                _ => out.push_str(pair),
            }
        }
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(target)
    }
}

/// Re-sends the session cookie when the session's idle clock was pushed forward, unless the
/// handler set that cookie itself (signing in or out, a new password): its cookie wins.
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
    let set_by_handler = |name: &str| res.response().cookies().any(|c| c.name() == name);
    if let Some(crate::web::session::Refresh(cookie)) = refresh
        && !set_by_handler(cookie.name())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_tokens_never_reach_the_log() {
        let token = "4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a99";
        for (target, want) in [
            (
                format!("/receipt/{token}"),
                "/receipt/[redacted]".to_owned(),
            ),
            (
                format!("/receipt/{token}/export.json"),
                "/receipt/[redacted]/export.json".into(),
            ),
            (
                format!("/receipt/{token}/erase?x=1"),
                "/receipt/[redacted]/erase?x=1".into(),
            ),
            (format!("/invite/{token}"), "/invite/[redacted]".into()),
            (
                format!("/password/reset/{token}"),
                "/password/reset/[redacted]".into(),
            ),
            (
                format!("/setup?token={token}"),
                "/setup?token=[redacted]".into(),
            ),
            (
                format!("/anything?a=1&token={token}&b=2"),
                "/anything?a=1&token=[redacted]&b=2".into(),
            ),
            (
                format!("/x?form_token={token}"),
                "/x?form_token=[redacted]".into(),
            ),
            (format!("/x?TOKEN={token}"), "/x?TOKEN=[redacted]".into()),
        ] {
            let shown = redact_target(&target);
            assert_eq!(shown, want);
            assert!(!shown.contains(token));
        }
    }

    #[test]
    fn other_targets_are_logged_as_they_are() {
        for target in [
            "/",
            "/receipt/",
            "/wall?team=care&after=abc",
            "/staff/notes/0193",
            "/reps?q=maria",
            "/invitee/abc",
            "/api/v1/stories/0193?limit=5",
            "/x?tokenless=1",
        ] {
            assert!(matches!(redact_target(target), Cow::Borrowed(t) if t == target));
        }
    }
}
