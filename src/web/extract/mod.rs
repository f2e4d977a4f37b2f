//! Extractors for what handlers would otherwise each check for themselves: who is signed in
//! and with which role ([`Staff`], [`Manager`], [`Admin`]), a form whose CSRF token was
//! checked ([`CsrfForm`]), the client's address ([`ClientIp`]) and a well-formed id from the
//! path ([`PathId`]).
//!
//! On a staff route the session is checked first (a request without one is sent to sign in,
//! whatever else is wrong with it); then every extractor's own check runs before the
//! handler. When two of them fail (a forged token and a missing role, say), which answers is
//! not fixed: both are a 403.

mod client_ip;
mod csrf;
mod path_id;
mod signed_in;

use actix_web::{HttpRequest, web};

pub use client_ip::ClientIp;
pub use csrf::{CsrfForm, CsrfOnly, HasCsrf};
pub use path_id::{ParseId, PathId};
pub use signed_in::{Admin, Manager, Staff, Viewer};

use crate::app::AppState;
use crate::error::AppError;

/// The application's state, which every app built by `app::serve_app` carries.
fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no app state")))
}
