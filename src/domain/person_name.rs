//! A person's name as they typed it, safe for pages and mail headers.

use std::fmt;

use super::{Invalid, text::single_line};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        single_line(input, "Name", Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// "Pat Doe" → "Pat D."; a single name stays as it is.
    pub fn first_and_initial(&self) -> String {
        let mut words = self.0.split(' ');
        let first = words.next().unwrap_or_default();
        match words.next_back().and_then(|last| last.chars().next()) {
            Some(initial) => format!("{first} {}.", initial.to_uppercase()),
            None => first.to_owned(),
        }
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_tidied() {
        for (input, want, short) in [
            ("Pat Doe", "Pat Doe", "Pat D."),
            ("  Pat   Doe  ", "Pat Doe", "Pat D."),
            ("Cher", "Cher", "Cher"),
            ("María José de la Cruz", "María José de la Cruz", "María C."),
            ("élodie ødegård", "élodie ødegård", "élodie Ø."),
            ("李 雷", "李 雷", "李 雷."),
            ("<b>Pat</b>", "<b>Pat</b>", "<b>Pat</b>"),
        ] {
            let name = PersonName::parse(input).unwrap();
            assert_eq!(name.as_str(), want);
            assert_eq!(name.first_and_initial(), short);
        }
    }

    #[test]
    fn hostile_names_are_refused() {
        let long = "x".repeat(PersonName::MAX_CHARS + 1);
        for bad in [
            "",
            " \t ",
            "Pat\r\nBcc: someone@example.com",
            "Pat\nDoe",
            "Pat\u{0}Doe",
            "Pat\u{1b}[31mDoe",
            "Pat\u{202E}eoD",
            "\u{FEFF}Pat",
            long.as_str(),
        ] {
            assert!(PersonName::parse(bad).is_err(), "accepted {bad:?}");
        }
    }
}
