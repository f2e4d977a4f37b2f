//! The life of a complaint case: open → acknowledged → resolved. What each action may do
//! from each state; anything else is an error, never a silent no-op.

use super::{Invalid, text_enum::text_enum};

text_enum!(
    /// Where a complaint's case stands.
    CaseStatus, "a case status" {
        Open = "open", Acknowledged = "acknowledged", Resolved = "resolved",
    }
);

impl CaseStatus {
    /// How staff pages name the state.
    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Waiting for acknowledgement",
            Self::Acknowledged => "Acknowledged",
            Self::Resolved => "Resolved",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseAction {
    Acknowledge,
    Assign,
    Comment,
    Resolve,
}

/// The status a case moves to, or why it cannot.
pub fn transition(status: CaseStatus, action: CaseAction) -> Result<CaseStatus, Invalid> {
    use CaseAction::*;
    use CaseStatus::*;
    match (status, action) {
        (Open, Acknowledge) => Ok(Acknowledged),
        (Open | Acknowledged, Assign | Comment) => Ok(status),
        (Open | Acknowledged, Resolve) => Ok(Resolved),
        (Resolved, Comment) => Ok(Resolved),
        (Acknowledged, Acknowledge) => Err(Invalid::new("This case is already acknowledged.")),
        (Resolved, _) => Err(Invalid::new("This case is already resolved.")),
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
        use CaseStatus::{Acknowledged, Open, Resolved};
        let table = [
            (Open, Acknowledge, Ok(Acknowledged)),
            (Open, Assign, Ok(Open)),
            (Open, Comment, Ok(Open)),
            (Open, Resolve, Ok(Resolved)),
            (Acknowledged, Acknowledge, Err(())),
            (Acknowledged, Assign, Ok(Acknowledged)),
            (Acknowledged, Comment, Ok(Acknowledged)),
            (Acknowledged, Resolve, Ok(Resolved)),
            (Resolved, Acknowledge, Err(())),
            (Resolved, Assign, Err(())),
            (Resolved, Comment, Ok(Resolved)),
            (Resolved, Resolve, Err(())),
        ];
        for (from, action, expected) in table {
            let got = transition(from, action).map_err(|_| ());
            assert_eq!(got, expected, "{from} {action:?}");
        }
        assert!(
            CaseStatus::parse("bogus").is_err(),
            "an unknown state is refused"
        );
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
