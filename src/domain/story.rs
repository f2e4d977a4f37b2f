//! The life of a story (the public version of a thank-you): what moderators may do from
//! each state. Anything else is an error, never a silent no-op.

use super::{Invalid, text_enum::text_enum};

text_enum!(
    /// Where a story stands: waiting for a moderator, on the wall, declined, taken off the
    /// wall, or withdrawn by its customer.
    StoryStatus, "a story status" {
        Pending = "pending",
        Published = "published",
        Declined = "declined",
        Unpublished = "unpublished",
        Withdrawn = "withdrawn",
    }
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoryAction {
    Publish,
    Decline,
    Unpublish,
}

impl StoryStatus {
    /// How staff pages name the state.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Waiting for review",
            Self::Published => "On the wall",
            Self::Declined => "Declined",
            Self::Unpublished => "Taken off the wall",
            Self::Withdrawn => "Withdrawn by the customer",
        }
    }
}

/// The status a story moves to, or why it cannot.
pub fn transition(status: StoryStatus, action: StoryAction) -> Result<StoryStatus, Invalid> {
    use StoryAction::*;
    use StoryStatus::*;
    match (status, action) {
        (Pending | Unpublished | Published, Publish) => Ok(Published),
        (Pending | Unpublished, Decline) => Ok(Declined),
        (Published, Unpublish) => Ok(Unpublished),
        (Withdrawn, _) => Err(Invalid::new(
            "The customer withdrew their consent; this story can no longer be published.",
        )),
        (Declined, _) => Err(Invalid::new("This story was declined.")),
        (Published, Decline) => Err(Invalid::new(
            "Only a story that is not on the wall can be declined.",
        )),
        (Pending | Unpublished, Unpublish) => {
            Err(Invalid::new("Only a published story can be unpublished."))
        }
    }
}

/// Tags typed as "kindness, billing": lower-cased, de-duplicated, each a URL-safe word.
pub fn parse_tags(input: &str) -> Result<Vec<String>, Invalid> {
    let mut tags: Vec<String> = Vec::new();
    for raw in input.split(',') {
        let tag = raw.trim().to_lowercase().replace(' ', "-");
        if tag.is_empty() {
            continue;
        }
        let ok = tag.len() <= 40
            && tag
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            return Err(Invalid::new(format!(
                "{tag:?}: tags use letters, digits and hyphens, up to 40 characters."
            )));
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > 10 {
        return Err(Invalid::new("Ten tags at most."));
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use StoryAction::*;

    #[test]
    fn the_story_state_machine() {
        use StoryStatus::*;
        let cases = [
            (Pending, Publish, Some(Published)),
            (Pending, Decline, Some(Declined)),
            (Pending, Unpublish, None),
            (Published, Publish, Some(Published)),
            (Published, Unpublish, Some(Unpublished)),
            (Published, Decline, None),
            (Unpublished, Publish, Some(Published)),
            (Unpublished, Decline, Some(Declined)),
            (Unpublished, Unpublish, None),
            (Declined, Publish, None),
            (Declined, Decline, None),
            (Declined, Unpublish, None),
            (Withdrawn, Publish, None),
            (Withdrawn, Decline, None),
            (Withdrawn, Unpublish, None),
        ];
        for (from, action, want) in cases {
            assert_eq!(transition(from, action).ok(), want, "{from} {action:?}");
        }
    }

    #[test]
    fn tags() {
        assert_eq!(
            parse_tags(" Kindness, billing ,,kindness, above and beyond").unwrap(),
            ["kindness", "billing", "above-and-beyond"]
        );
        assert!(parse_tags("<script>").is_err());
        let eleven: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
        assert!(parse_tags(&eleven.join(",")).is_err());
        assert_eq!(parse_tags("").unwrap(), Vec::<String>::new());
    }
}
