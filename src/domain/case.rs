//! The life of a complaint case: open → acknowledged → resolved. What each action may do
//! from each state; anything else is an error, never a silent no-op.

use super::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseAction {
    Acknowledge,
    Assign,
    Comment,
    Resolve,
}

/// The status a case moves to, or why it cannot.
pub fn transition(status: &str, action: CaseAction) -> Result<&'static str, Invalid> {
    use CaseAction::*;
    match (status, action) {
        ("open", Acknowledge) => Ok("acknowledged"),
        ("open", Assign | Comment) => Ok("open"),
        ("acknowledged", Assign | Comment) => Ok("acknowledged"),
        ("open" | "acknowledged", Resolve) => Ok("resolved"),
        ("resolved", Comment) => Ok("resolved"),
        ("acknowledged", Acknowledge) => Err(Invalid::new("This case is already acknowledged.")),
        ("resolved", _) => Err(Invalid::new("This case is already resolved.")),
        _ => Err(Invalid::new("This case is in an unknown state.")),
    }
}

/// A message to the customer or an internal note: trimmed, not empty, at most 4,000 characters.
pub fn parse_message(input: &str, required: bool) -> Result<Option<String>, Invalid> {
    let text = input.trim().replace("\r\n", "\n");
    if text.is_empty() {
        return if required {
            Err(Invalid::new("Write a message."))
        } else {
            Ok(None)
        };
    }
    if text.chars().count() > 4000 {
        return Err(Invalid::new("Keep it under 4,000 characters."));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Invalid::new("The message contains control characters."));
    }
    Ok(Some(text))
}

#[cfg(test)]
mod tests {
    use super::CaseAction::*;
    use super::*;

    #[test]
    fn transitions() {
        let table = [
            ("open", Acknowledge, Ok("acknowledged")),
            ("open", Assign, Ok("open")),
            ("open", Comment, Ok("open")),
            ("open", Resolve, Ok("resolved")),
            ("acknowledged", Acknowledge, Err(())),
            ("acknowledged", Assign, Ok("acknowledged")),
            ("acknowledged", Comment, Ok("acknowledged")),
            ("acknowledged", Resolve, Ok("resolved")),
            ("resolved", Acknowledge, Err(())),
            ("resolved", Assign, Err(())),
            ("resolved", Comment, Ok("resolved")),
            ("resolved", Resolve, Err(())),
            ("bogus", Resolve, Err(())),
        ];
        for (from, action, expected) in table {
            let got = transition(from, action).map_err(|_| ());
            assert_eq!(got, expected, "{from} {action:?}");
        }
    }

    #[test]
    fn messages() {
        assert_eq!(parse_message("  ", false), Ok(None));
        assert!(parse_message("  ", true).is_err());
        assert_eq!(
            parse_message(" Sorry.\r\nWe fixed it. ", true),
            Ok(Some("Sorry.\nWe fixed it.".into()))
        );
        assert!(parse_message(&"x".repeat(4001), true).is_err());
        assert!(parse_message("bell\u{7}", true).is_err());
    }
}
