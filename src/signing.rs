//! Keyed signatures (HMAC-SHA256 with the instance's secret key): form tokens and receipt
//! links are derived from them, so any instance with the same key can check them.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Secret;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &Secret, purpose: &str, data: &str) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any size"));
    mac.update(purpose.as_bytes());
    mac.update(b"\0");
    mac.update(data.as_bytes());
    mac
}

/// The hex signature of `data` for one `purpose` (purposes never share signatures).
pub fn sign(secret: &Secret, purpose: &str, data: &str) -> String {
    hex::encode(mac(secret, purpose, data).finalize().into_bytes())
}

/// Checks a hex signature in constant time.
pub fn verify(secret: &Secret, purpose: &str, data: &str, signature: &str) -> bool {
    let Ok(bytes) = hex::decode(signature) else {
        return false;
    };
    mac(secret, purpose, data).verify_slice(&bytes).is_ok()
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
}
