//! One error type for every request: a stable machine-readable code, a message fit for the
//! user, and the cause kept for the log only. `web::errors` renders it as an HTML page or as
//! `application/problem+json` (RFC 9457) depending on where the request went.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

pub use crate::domain::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("not signed in")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    /// Refused, with a reason the person can act on.
    #[error("denied: {0}")]
    Denied(String),
    #[error("not found")]
    NotFound,
    #[error("gone")]
    Gone,
    /// The URL exists but does not answer this method; holds the `Allow` header's value.
    #[error("method not allowed")]
    MethodNotAllowed(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("unsupported media type")]
    WrongContentType(&'static str),
    /// The request body is larger than this route accepts.
    #[error("payload too large")]
    TooLarge(String),
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    #[error("service unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self::Internal(cause.into())
    }

    /// Stable code for clients and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::Invalid(_) => "invalid_input",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden | Self::Denied(_) => "forbidden",
            Self::NotFound => "not_found",
            Self::Gone => "gone",
            Self::MethodNotAllowed(_) => "method_not_allowed",
            Self::Conflict(_) => "conflict",
            Self::WrongContentType(_) => "unsupported_media_type",
            Self::TooLarge(_) => "payload_too_large",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    /// The message a person sees; never includes the cause of a server-side failure.
    pub fn public_message(&self) -> String {
        match self {
            Self::BadRequest(detail) => detail.clone(),
            Self::Invalid(_) => "Some of what was sent needs fixing.".into(),
            Self::Unauthorized => "Please sign in to continue.".into(),
            Self::Forbidden => "You don't have access to this page.".into(),
            Self::Denied(reason) => reason.clone(),
            Self::NotFound => "We couldn't find that page.".into(),
            Self::Gone => "This is no longer available.".into(),
            Self::MethodNotAllowed(allow) => {
                format!("This address does not answer that method; it answers {allow}.")
            }
            Self::Conflict(detail) => detail.clone(),
            Self::WrongContentType(expected) => format!("Send this as {expected}."),
            Self::TooLarge(detail) => detail.clone(),
            Self::RateLimited { .. } => {
                "Too many requests from your address; please wait a minute and try again.".into()
            }
            Self::Unavailable(_) => {
                "Heard can't reach its database just now. Please try again shortly.".into()
            }
            Self::Internal(_) => {
                "Something went wrong on our side. It has been logged; please try again.".into()
            }
        }
    }

    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Invalid(errors) => errors,
            _ => &[],
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::Denied(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Gone => StatusCode::GONE,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::WrongContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A bare response: `web::errors` replaces the body once it knows the request's path.
    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        if let Self::RateLimited { retry_after_secs } = self {
            res.insert_header(("Retry-After", retry_after_secs.to_string()));
        }
        if let Self::Unavailable(_) = self {
            res.insert_header(("Retry-After", "5"));
        }
        if let Self::MethodNotAllowed(allow) = self {
            res.insert_header(("Allow", allow.as_str()));
        }
        res.finish()
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        match err {
            diesel::result::Error::NotFound => Self::NotFound,
            other if connection_lost(&other) => Self::Unavailable(other.into()),
            other => Self::internal(other),
        }
    }
}

/// Whether a database error means the server went away (restarting, or the network), so
/// the request may simply be tried again: a 503, not a 500.
fn connection_lost(err: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match err {
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        ) => true,
        // What a transaction reports when its connection died under it.
        Error::BrokenTransactionManager => true,
        Error::DatabaseError(_, info) => {
            let message = info.message();
            [
                "terminating connection",
                "server closed the connection",
                "no connection to the server",
                "connection to server",
                "the database system is shutting down",
                "the database system is starting up",
            ]
            .iter()
            .any(|m| message.contains(m))
        }
        _ => false,
    }
}

impl From<crate::store::StoreError> for AppError {
    fn from(err: crate::store::StoreError) -> Self {
        use crate::store::StoreError;
        match err {
            StoreError::NotFound => Self::NotFound,
            StoreError::Gone => Self::Gone,
            StoreError::Forbidden => Self::Forbidden,
            StoreError::Denied(reason) => Self::Denied(reason),
            StoreError::Conflict(detail) => Self::Conflict(detail),
            StoreError::Invalid(errors) => Self::Invalid(errors),
            StoreError::Db(err) => Self::from(err),
            StoreError::Internal(cause) => Self::Internal(cause),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(err: diesel::r2d2::PoolError) -> Self {
        Self::Unavailable(err.into())
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        Self::internal(err)
    }
}

impl From<tera::Error> for AppError {
    fn from(err: tera::Error) -> Self {
        Self::internal(err)
    }
}
