//! The human reference code a customer can quote, like `H-7K3P9`.

use std::fmt;

use rand::Rng;

use super::Invalid;

/// Digits and capitals without look-alikes (no 0/O, 1/I/L), so a code read aloud is unambiguous.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const LEN: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Reference(String);

impl Reference {
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        let code: String = (0..LEN)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect();
        Self(format!("H-{code}"))
    }

    /// Accepts what a person might type: any case, with or without the `H-`.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let upper = input.trim().to_ascii_uppercase();
        let code = upper.strip_prefix("H-").unwrap_or(&upper);
        if code.len() == LEN && code.bytes().all(|b| ALPHABET.contains(&b)) {
            Ok(Self(format!("H-{code}")))
        } else {
            Err(Invalid::new("A reference looks like H-7K3P9."))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_parse_back() {
        for _ in 0..200 {
            let r = Reference::generate();
            assert_eq!(Reference::parse(r.as_str()).unwrap(), r);
            assert_eq!(r.as_str().len(), 7);
        }
    }

    #[test]
    fn typed_codes_are_normalised_and_checked() {
        assert_eq!(Reference::parse(" h-7k3p9 ").unwrap().as_str(), "H-7K3P9");
        assert_eq!(Reference::parse("7K3P9").unwrap().as_str(), "H-7K3P9");
        for bad in [
            "",
            "H-",
            "H-7K3P",
            "H-7K3P9X",
            "H-O0I1L",
            "H-7K3P9\n;",
            "Ｈ-7K3P9",
        ] {
            assert!(Reference::parse(bad).is_err(), "accepted {bad:?}");
        }
    }
}
