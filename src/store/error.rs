//! What can go wrong in the store, in the store's own words: no HTTP here. The web layer
//! maps each variant to its answer (`impl From<StoreError> for AppError`).

use crate::domain::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist (or is not the caller's to see).
    #[error("not found")]
    NotFound,
    /// The row existed but has been erased or withdrawn.
    #[error("gone")]
    Gone,
    /// The caller may not do this.
    #[error("forbidden")]
    Forbidden,
    /// Refused, with a reason the person can act on.
    #[error("denied: {0}")]
    Denied(String),
    /// The change clashes with the row's current state.
    #[error("conflict: {0}")]
    Conflict(String),
    /// What was sent needs fixing, field by field.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl StoreError {
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self::Internal(cause.into())
    }

    /// One field's problem.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
