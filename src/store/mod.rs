//! Queries, one module per aggregate: the only place SQL lives.

pub mod accounts;
pub mod audit;
pub mod brand;
pub mod cases;
pub mod digests;
mod error;
pub mod escalations;
pub mod events;
pub mod exports;
pub mod inbox;
pub mod intake;
pub mod limits;
pub mod moderation;
pub mod note_facts;
pub mod notes;
pub mod outbox;
pub mod pictures;
pub mod portfolio;
pub mod receipts;
pub mod responsible;
pub mod retention;
pub mod settings;
pub mod staff;
pub mod stats;
pub mod stories;
pub mod teams;
pub mod tokens;
pub mod wall;
pub mod wall_record;

pub use error::{StoreError, StoreResult};

use chrono::{NaiveDateTime, SubsecRound, Utc};

diesel::define_sql_function! {
    /// SQL `lower()`, the same on both backends.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// The current UTC time at the precision both databases keep (microseconds).
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// A random token for links sent to people, and the hash that is stored instead of it.
pub fn new_token() -> (String, String) {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

/// Whether `text` has the shape of a token from [`new_token`] (64 hex digits): only such a
/// text is looked up, so nothing else a link carries reaches a query.
pub fn is_token(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

pub fn hash_token(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}
