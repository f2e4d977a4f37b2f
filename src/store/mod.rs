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

/// What is stored instead of a token: its SHA-256, in lowercase hex.
pub fn hash_token(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_stored_as_its_sha256() {
        // The test vectors of FIPS 180-2 (appendix B.1) and of the empty message.
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hash_token(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn new_tokens_are_random_and_stored_hashed() {
        let (token, hash) = new_token();
        assert!(is_token(&token), "{token}");
        assert_ne!(hash, token, "the token itself is never stored");
        assert_eq!(hash, hash_token(&token));
        assert_ne!(new_token().0, token, "each token is new");
    }
}
