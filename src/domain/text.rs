//! Checks shared by the text newtypes: control characters and invisible formatting tricks.

use super::Invalid;

/// Characters that can hide or reorder text (bidi overrides, zero-width marks, BOM).
pub fn is_invisible_trick(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}')
}

/// One line of text: trimmed, inner runs of white space folded to one space, no control
/// characters (so it can never break a mail header), between 1 and `max` characters.
pub fn single_line(input: &str, what: &str, max: usize) -> Result<String, Invalid> {
    if input.chars().any(|c| c.is_control() && c != ' ') {
        return Err(Invalid::new(format!(
            "{what} cannot contain line breaks or control characters."
        )));
    }
    if input.chars().any(is_invisible_trick) {
        return Err(Invalid::new(format!(
            "{what} contains invisible formatting characters."
        )));
    }
    let folded = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.is_empty() {
        return Err(Invalid::new(format!(
            "Please enter {}.",
            what.to_lowercase()
        )));
    }
    if folded.chars().count() > max {
        return Err(Invalid::new(format!(
            "{what} must be at most {max} characters."
        )));
    }
    Ok(folded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_folds_and_refuses() {
        assert_eq!(
            single_line("  Pat \u{00A0}  Doe ", "Name", 10).unwrap(),
            "Pat Doe"
        );
        assert!(single_line("Pat\r\nBcc: x@y.z", "Name", 100).is_err());
        assert!(single_line("Pat\u{202E}eoD", "Name", 100).is_err());
        assert!(single_line("   ", "Name", 100).is_err());
        assert!(single_line("abcdefghijk", "Name", 10).is_err());
        assert_eq!(single_line("José 李雷", "Name", 10).unwrap(), "José 李雷");
    }
}
