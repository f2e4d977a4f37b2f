//! Staff passwords: at least 12 characters, not a well-known one, stored as argon2id hashes.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};

use super::Invalid;

/// A few of the most used passwords that are long enough to pass the length rule.
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "password1234",
    "password12345",
    "passwordpassword",
    "qwertyuiopas",
    "qwertyuiop123",
    "qwerty123456",
    "iloveyou1234",
    "111111111111",
    "000000000000",
    "abcdefghijkl",
    "abc123abc123",
    "letmein12345",
    "welcome12345",
    "administrator",
    "changeme1234",
    "trustno1trustno1",
    "football1234",
    "baseball1234",
    "sunshine1234",
    "princess1234",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "zaq12wsxcde3",
    "qazwsxedcrfv",
    "asdfghjkl123",
    "superman1234",
    "correcthorsebatterystaple",
];

pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 1024;

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let count = input.chars().count();
        if count < Self::MIN_CHARS {
            return Err(Invalid::new(format!(
                "Use at least {} characters; a short sentence works well.",
                Self::MIN_CHARS
            )));
        }
        if count > Self::MAX_CHARS {
            return Err(Invalid::new("That password is too long."));
        }
        let lower = input.to_lowercase();
        let mut chars = lower.chars();
        let first = chars.next();
        if COMMON.contains(&lower.as_str()) || chars.all(|c| Some(c) == first) {
            return Err(Invalid::new(
                "That password is too common; choose one that is hard to guess.",
            ));
        }
        Ok(Self(input.to_owned()))
    }

    /// An argon2id hash in PHC string format, with a fresh random salt.
    pub fn hash(&self) -> Result<String, Invalid> {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Invalid::new(format!("could not hash the password: {e}")))
    }
}

/// Whether `candidate` matches a stored PHC hash; a malformed hash never matches.
pub fn verify(candidate: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(candidate.as_bytes(), &hash)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passwords_are_refused() {
        for bad in [
            "",
            "short",
            "elevenchars",
            "Password1234",
            "aaaaaaaaaaaaaaa",
            "111111111111",
        ] {
            assert!(Password::parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let pw = Password::parse("a quiet lighthouse at dawn").unwrap();
        let hash = pw.hash().unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify("a quiet lighthouse at dawn", &hash));
        assert!(!verify("a quiet lighthouse at dusk", &hash));
        assert!(!verify("anything", "not a hash"));
        assert_ne!(hash, pw.hash().unwrap(), "salts differ");
    }
}
