//! A rep's handle: the short name in their personal links (`/to/HANDLE`, `/wall/HANDLE`).

use std::fmt;

use super::Invalid;

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Handle(String);

/// Words that would read as something other than a person in a URL.
const RESERVED: &[&str] = &[
    "about", "admin", "api", "feed", "new", "search", "setup", "staff", "static",
];

impl Handle {
    pub const MIN_LEN: usize = 2;
    pub const MAX_LEN: usize = 32;

    /// Lower-case letters, digits and single hyphens, starting with a letter.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let handle = input.trim().to_lowercase();
        let len = handle.chars().count();
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&len) {
            return Err(Invalid::new(format!(
                "A handle must be {} to {} characters long.",
                Self::MIN_LEN,
                Self::MAX_LEN
            )));
        }
        let allowed = handle
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let starts_with_letter = handle.starts_with(|c: char| c.is_ascii_lowercase());
        if !allowed || !starts_with_letter || handle.ends_with('-') || handle.contains("--") {
            return Err(Invalid::new(
                "A handle uses letters, digits and single hyphens, and starts with a letter.",
            ));
        }
        if RESERVED.contains(&handle.as_str()) {
            return Err(Invalid::new(format!("The handle {handle:?} is reserved.")));
        }
        Ok(Self(handle))
    }

    /// A handle made from a name: "María López" → "maria-lopez".
    pub fn suggest(name: &str) -> Self {
        let mut out = String::new();
        for c in name.chars().flat_map(fold_latin) {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        let mut out: String = out
            .trim_start_matches(|c: char| !c.is_ascii_lowercase())
            .chars()
            .take(Self::MAX_LEN)
            .collect();
        while out.ends_with('-') {
            out.pop();
        }
        Self::parse(&out).unwrap_or_else(|_| Self(format!("rep-{}", out.len().max(1))))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Folds the common accented Latin letters to ASCII, so names make readable handles.
fn fold_latin(c: char) -> Vec<char> {
    let folded = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "a",
        'æ' | 'Æ' => "ae",
        'ç' | 'Ç' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "i",
        'ñ' | 'Ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "o",
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => "u",
        'ý' | 'ÿ' | 'Ý' => "y",
        'ß' => "ss",
        _ => return vec![c],
    };
    folded.chars().collect()
}

impl fmt::Display for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_handles() {
        for (input, want) in [
            ("maria", "maria"),
            (" Maria-Lopez ", "maria-lopez"),
            ("jo2", "jo2"),
        ] {
            assert_eq!(Handle::parse(input).unwrap().as_str(), want);
        }
    }

    #[test]
    fn hostile_handles_are_refused() {
        let long = "a".repeat(33);
        for bad in [
            "",
            "a",
            "2pac",
            "-maria",
            "maria-",
            "ma--ria",
            "ma ria",
            "../etc",
            "maría",
            "<script>",
            "admin",
            "about",
            "feed",
            "ma\u{200B}ria",
            long.as_str(),
        ] {
            assert!(Handle::parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn handles_are_suggested_from_names() {
        for (name, want) in [
            ("María López", "maria-lopez"),
            ("Jean-Luc  O'Neil", "jean-luc-o-neil"),
            ("  42 Ada Lovelace", "ada-lovelace"),
            ("Zoë Ørsted", "zoe-orsted"),
        ] {
            assert_eq!(Handle::suggest(name).as_str(), want);
        }
        // Names with no Latin letters still get a valid handle.
        assert!(Handle::parse(Handle::suggest("李雷").as_str()).is_ok());
    }
}
