//! Refuses form posts that another site makes a browser send (login CSRF, and a second line
//! behind the CSRF tokens): judged by `Sec-Fetch-Site` where the browser sends it, else by
//! `Origin`. The JSON API is for other sites' servers and is left to its own controls.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use crate::app::AppState;

/// Whether a state-changing request with these headers came from this site's own pages.
/// `host` is the `Host` the browser used; `base_url` the configured public address.
pub fn same_site_post(
    fetch_site: Option<&str>,
    origin: Option<&str>,
    host: Option<&str>,
    base_url: &str,
) -> bool {
    if let Some(site) = fetch_site {
        // `none` is a person acting directly (a bookmark, the address bar).
        return matches!(site, "same-origin" | "none");
    }
    match origin {
        // No Origin: an old browser or not a browser (a script with no cookies to abuse).
        // "null": a page with `Referrer-Policy: no-referrer` posting to itself, or a
        // sandboxed frame; with no Sec-Fetch-Site to tell them apart, the CSRF token decides.
        None | Some("null") => true,
        Some(origin) => {
            let base = base_url.trim_end_matches('/');
            origin.eq_ignore_ascii_case(base)
                || host.is_some_and(|h| {
                    origin
                        .split_once("://")
                        .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(h))
                })
        }
    }
}

pub async fn refuse_cross_site_posts(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let changes_state = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if changes_state && !req.path().starts_with("/api/") {
        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
        let base_url = req
            .app_data::<web::Data<AppState>>()
            .map(|s| s.settings.base_url.clone())
            .unwrap_or_default();
        if !same_site_post(
            header("sec-fetch-site"),
            header("origin"),
            header("host"),
            &base_url,
        ) {
            tracing::info!(path = %req.path(), "cross-site post refused");
            let res = HttpResponse::Forbidden()
                .content_type("text/plain; charset=utf-8")
                .body("This form was sent from another site, so it was refused.");
            return Ok(req.into_response(res).map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::same_site_post;

    #[test]
    fn only_this_sites_pages_may_post() {
        let base = "https://thanks.example.com";
        let host = Some("thanks.example.com");
        let table = [
            (Some("same-origin"), Some("https://evil.example"), true),
            (Some("none"), None, true),
            (Some("cross-site"), Some(base), false),
            (Some("same-site"), None, false),
            (None, Some("https://thanks.example.com"), true),
            (None, Some("https://THANKS.example.com"), true),
            (None, Some("https://evil.example"), false),
            (None, Some("https://thanks.example.com.evil.example"), false),
            (None, Some("null"), true),
            (None, None, true),
        ];
        for (site, origin, want) in table {
            assert_eq!(
                same_site_post(site, origin, host, base),
                want,
                "{site:?} {origin:?}"
            );
        }
        // Reached by another name than the base URL (say, on a LAN): the Host decides.
        assert!(same_site_post(
            None,
            Some("http://10.0.0.5:8080"),
            Some("10.0.0.5:8080"),
            base
        ));
    }
}
