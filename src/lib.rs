//! Heard: customers thank (or complain about) the rep who helped them.
//!
//! The library holds everything; `main.rs` only parses the command line and dispatches.

pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod mail;
pub mod pictures;
pub mod signing;
pub mod store;
pub mod telemetry;
pub mod templates;
pub mod web;

/// Initialises OpenSSL (used by libpq and by SMTP over TLS) before anything else can, without
/// its exit-time cleanup: that cleanup frees state that threads still running at exit (pooled
/// database connections) may use, which crashed processes on their way out.
pub fn init_tls() {
    openssl_sys::init();
}
