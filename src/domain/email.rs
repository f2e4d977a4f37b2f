//! An email address a message can safely be sent to.

use std::fmt;

use super::{Invalid, text::is_invisible_trick};

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    /// Trims, lower-cases, and accepts only `local@domain.tld` (one `@`) with no spaces or
    /// control characters.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let email = input.trim().to_lowercase();
        if email.is_empty() {
            return Err(Invalid::new("Please enter an email address."));
        }
        if email.chars().count() > Self::MAX_LEN {
            return Err(Invalid::new("That email address is too long."));
        }
        if email
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || is_invisible_trick(c))
        {
            return Err(Invalid::new(
                "An email address cannot contain spaces or line breaks.",
            ));
        }
        let shape = "That doesn't look like an email address (like name@example.com).";
        // One `@`: a quoted local part that holds another is legal but never what a customer meant.
        let (local, domain) = email
            .split_once('@')
            .filter(|(_, domain)| !domain.contains('@'))
            .ok_or_else(|| Invalid::new(shape))?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(Invalid::new(shape));
        }
        // The mail library's own parser is the final word on what it can send to.
        email
            .parse::<lettre::Address>()
            .map_err(|_| Invalid::new(shape))?;
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises() {
        for (input, want) in [
            ("pat@example.com", "pat@example.com"),
            ("  Pat.Doe+care@Example.COM ", "pat.doe+care@example.com"),
            ("o'brien@mail.example.ie", "o'brien@mail.example.ie"),
        ] {
            assert_eq!(Email::parse(input).unwrap().as_str(), want);
        }
    }

    #[test]
    fn refuses_hostile_and_malformed_input() {
        let long = format!("{}@example.com", "a".repeat(250));
        for bad in [
            "",
            "   ",
            "pat",
            "pat@",
            "@example.com",
            "pat@example",
            "pat@.example.com",
            "pat@example..com",
            "\"pat@home\"@example.com",
            "pat doe@example.com",
            "pat@example.com\r\nBcc: victim@example.com",
            "pat\u{0}@example.com",
            "pat\u{200B}@example.com",
            "<script>@example.com",
            long.as_str(),
        ] {
            assert!(Email::parse(bad).is_err(), "accepted {bad:?}");
        }
    }
}
