//! Keyed signatures (HMAC-SHA256 with the instance's secret key): form tokens and receipt
//! links are derived from them, so any instance with the same key can check them.
//!
//! The secret key may list previous keys after the current one, comma-separated
//! (`HEARD_SECRET_KEY=new,old`): new signatures use the current key, and a signature made with
//! any listed key still verifies, so rotating the key signs no one out.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Secret;

type HmacSha256 = Hmac<Sha256>;

/// The keys in `secret`: the current one first, then the previous ones still accepted.
pub fn keys(secret: &Secret) -> impl Iterator<Item = &str> {
    secret
        .expose()
        .split(',')
        .map(str::trim)
        .filter(|key| !key.is_empty())
}

/// The key new signatures are made with.
pub fn current_key(secret: &Secret) -> &str {
    keys(secret).next().unwrap_or_default()
}

fn mac(key: &str, purpose: &str, data: &str) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any size"));
    mac.update(purpose.as_bytes());
    mac.update(b"\0");
    mac.update(data.as_bytes());
    mac
}

/// The hex signature of `data` for one `purpose` (purposes never share signatures).
pub fn sign(secret: &Secret, purpose: &str, data: &str) -> String {
    hex::encode(
        mac(current_key(secret), purpose, data)
            .finalize()
            .into_bytes(),
    )
}

/// The signatures of `data` under every listed key, the current key's first: for a value
/// kept only as a hash, to find again the one that was handed out.
pub fn signatures(secret: &Secret, purpose: &str, data: &str) -> Vec<String> {
    keys(secret)
        .map(|key| hex::encode(mac(key, purpose, data).finalize().into_bytes()))
        .collect()
}

/// Checks a hex signature in constant time against each listed key.
pub fn verify(secret: &Secret, purpose: &str, data: &str, signature: &str) -> bool {
    let Ok(bytes) = hex::decode(signature) else {
        return false;
    };
    keys(secret).any(|key| mac(key, purpose, data).verify_slice(&bytes).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_for_their_key_purpose_and_data() {
        let key = Secret::new("k".repeat(40));
        let other = Secret::new("o".repeat(40));
        let sig = sign(&key, "form", "123");
        assert!(verify(&key, "form", "123", &sig));
        assert!(!verify(&key, "form", "124", &sig));
        assert!(!verify(&key, "receipt", "123", &sig));
        assert!(!verify(&other, "form", "123", &sig));
        assert!(!verify(&key, "form", "123", "zz"));
        assert!(!verify(&key, "form", "123", ""));
        assert!(!verify(&key, "form", "123", "é1"));
    }

    #[test]
    fn a_rotated_key_signs_with_the_new_key_and_still_accepts_the_old() {
        let old = Secret::new("o".repeat(40));
        let rotated = Secret::new(format!("{}, {}", "n".repeat(40), "o".repeat(40)));
        let new_only = Secret::new("n".repeat(40));
        let before = sign(&old, "form", "123");
        assert!(
            verify(&rotated, "form", "123", &before),
            "old signatures still verify"
        );
        let after = sign(&rotated, "form", "123");
        assert_eq!(
            after,
            sign(&new_only, "form", "123"),
            "new ones use the new key"
        );
        assert!(!verify(&old, "form", "123", &after));
        assert_eq!(signatures(&rotated, "form", "123"), [after, before]);
        assert!(!verify(
            &new_only,
            "form",
            "123",
            &sign(&old, "form", "123")
        ));
    }
}
