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
pub mod signing;
pub mod store;
pub mod telemetry;
pub mod templates;
pub mod web;
