//! The JSON API v1 and its OpenAPI 3.1 document, generated from these handlers and types.

pub mod notes;
pub mod openapi;
pub mod reps;
pub mod stories;
