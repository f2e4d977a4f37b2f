//! Turns every error response into what the client expects: an HTML page, or
//! `application/problem+json` (RFC 9457) under `/api/`. Causes go to the log, never the client.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use serde_json::json;

use super::middleware::RequestId;
use crate::error::{AppError, FieldError};

pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}

/// Forms: 64 KiB at most, and a clear word when the body is not a form.
pub fn form_config() -> actix_web::web::FormConfig {
    form_config_up_to(64 * 1024)
}

/// [`form_config`] with another limit, for the one form that carries a file's text.
pub fn form_config_up_to(limit: usize) -> actix_web::web::FormConfig {
    use actix_web::error::UrlencodedError;
    actix_web::web::FormConfig::default()
        .limit(limit)
        .error_handler(|err, _req| {
            match err {
                UrlencodedError::ContentType => {
                    AppError::WrongContentType("application/x-www-form-urlencoded")
                }
                UrlencodedError::Overflow { .. } | UrlencodedError::UnknownLength => {
                    AppError::BadRequest("That form is too large.".into())
                }
                other => AppError::BadRequest(format!("That form could not be read: {other}.")),
            }
            .into()
        })
}

/// The largest JSON body the API reads: a note is at most 5,000 characters (20 KB of
/// UTF-8 at worst) plus a few short fields.
pub const JSON_LIMIT: usize = 32 * 1024;

/// JSON bodies: [`JSON_LIMIT`] at most (413 beyond), `application/json`, and field-level
/// errors for bad shapes.
pub fn json_config() -> actix_web::web::JsonConfig {
    use actix_web::error::JsonPayloadError;
    actix_web::web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .error_handler(|err, _req| {
            match err {
                JsonPayloadError::ContentType => AppError::WrongContentType("application/json"),
                JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. } => {
                    AppError::TooLarge("That request body is too large (32 KiB at most).".into())
                }
                JsonPayloadError::Deserialize(e) => AppError::Invalid(vec![FieldError::new(
                    "body",
                    format!("The JSON could not be read: {e}"),
                )]),
                other => {
                    AppError::BadRequest(format!("The request body could not be read: {other}."))
                }
            }
            .into()
        })
}

/// What an error response says, whether it came from our handlers or from actix itself.
struct Problem {
    code: &'static str,
    title: String,
    message: String,
    errors: Vec<FieldError>,
}

fn describe<B>(res: &ServiceResponse<B>) -> Option<Problem> {
    let status = res.status();
    let error = res.response().error()?;
    if let Some(app) = error.as_error::<AppError>() {
        match app {
            AppError::Internal(cause) | AppError::Unavailable(cause) => {
                tracing::error!(code = app.code(), error = %format!("{cause:#}"), "request failed");
            }
            _ => {}
        }
        return Some(Problem {
            code: app.code(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            message: app.public_message(),
            errors: app.field_errors().to_vec(),
        });
    }
    // Errors raised by actix itself (malformed JSON, bad query strings, payload too large...):
    // their messages describe the request, not our internals, so 4xx ones are shown.
    let message = if status.is_client_error() {
        error.to_string()
    } else {
        tracing::error!(error = %error, "request failed");
        AppError::internal(anyhow::anyhow!("")).public_message()
    };
    Some(Problem {
        code: if status.is_client_error() {
            "bad_request"
        } else {
            "internal"
        },
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        message,
        errors: Vec::new(),
    })
}

/// The `ErrorHandlers` default handler: re-renders responses that carry an error.
pub fn render<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let Some(problem) = describe(&res) else {
        // A handler rendered this error page itself (say, a form with its errors): keep it.
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    };
    let (req, old) = res.into_parts();
    let status = old.status();
    if problem.code == "unauthorized" && !req.path().starts_with("/api/") {
        let next = match req.query_string() {
            "" => req.path().to_owned(),
            q => format!("{}?{q}", req.path()),
        };
        let target = format!("/login?next={}", urlencode(&next));
        let res = HttpResponse::SeeOther()
            .insert_header((header::LOCATION, target))
            .finish();
        return Ok(ErrorHandlerResponse::Response(
            ServiceResponse::new(req, res).map_into_right_body(),
        ));
    }
    let mut new = if req.path().starts_with("/api/") {
        problem_json(&req, status.as_u16(), &problem)
    } else {
        html_page(&req, status.as_u16(), &problem)
    };
    *new.status_mut() = status;
    for name in [header::RETRY_AFTER, header::ALLOW, header::WWW_AUTHENTICATE] {
        if let Some(value) = old.headers().get(&name) {
            new.headers_mut().insert(name, value.clone());
        }
    }
    let res = ServiceResponse::new(req, new).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}

/// Percent-encodes a path for a query string value.
fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn request_id(req: &HttpRequest) -> String {
    req.extensions()
        .get::<RequestId>()
        .map(|id| id.0.clone())
        .unwrap_or_default()
}

fn problem_json(req: &HttpRequest, status: u16, problem: &Problem) -> HttpResponse<BoxBody> {
    let mut body = json!({
        "type": "about:blank",
        "title": problem.title,
        "status": status,
        "detail": problem.message,
        "code": problem.code,
        "instance": req.path(),
        "request_id": request_id(req),
    });
    if !problem.errors.is_empty() {
        body["errors"] = json!(problem.errors);
    }
    let mut res = HttpResponse::Ok().json(body);
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    res
}

/// Where a customer who met this error can go next: a personal link that names no one offers
/// the search, filled in with the link's words; a story no longer public says why and points
/// to the wall.
fn insert_way_on(ctx: &mut tera::Context, req: &HttpRequest, status: u16) {
    let path = req.path();
    if status == 404
        && let Some(handle) = path.strip_prefix("/to/")
    {
        let handle = req.match_info().get("handle").map_or_else(
            || handle.split('/').next().unwrap_or_default().to_owned(),
            str::to_owned,
        );
        ctx.insert("search_for", &handle_words(&handle));
        let kind = match req.query_string().contains("kind=complaint") {
            true => "complaint",
            false => "thanks",
        };
        ctx.insert("search_kind", kind);
    }
    if status == 410 && path.starts_with("/stories/") {
        ctx.insert("story_gone", &true);
    }
}

/// The words of a handle, for a search: `maria-lopez` → `maria lopez`.
fn handle_words(handle: &str) -> String {
    handle
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(60)
        .collect()
}

fn html_page(req: &HttpRequest, status: u16, problem: &Problem) -> HttpResponse<BoxBody> {
    let mut ctx = tera::Context::new();
    ctx.insert("status", &status);
    ctx.insert("title", &problem.title);
    ctx.insert("message", &problem.message);
    ctx.insert("request_id", &request_id(req));
    insert_way_on(&mut ctx, req, status);
    match crate::templates::render("error.html", &ctx) {
        Ok(html) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(e) => {
            tracing::error!(error = %e, "the error page itself failed to render");
            HttpResponse::Ok()
                .content_type("text/plain; charset=utf-8")
                .body(problem.message.clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::handle_words;

    #[test]
    fn a_handle_becomes_words_to_search_for() {
        assert_eq!(handle_words("maria-lopez"), "maria lopez");
        assert_eq!(handle_words("Maria_Lopez.2"), "Maria Lopez 2");
        assert_eq!(handle_words("--"), "");
    }
}
