//! What a customer writes: the kind of note, its words, how they want to be named, the channel.

use super::{Invalid, PersonName, text::has_invisible_trick, text_enum::text_enum};

/// A customer's words: up to 5,000 characters, line breaks kept (CRLF folded to LF),
/// other control characters refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct NoteBody(String);

impl NoteBody {
    pub const MAX_CHARS: usize = 5000;

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let text = input.replace("\r\n", "\n").replace('\r', "\n");
        if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
            || has_invisible_trick(&text)
        {
            return Err(Invalid::new(
                "Your message contains control or invisible characters; please retype it.",
            ));
        }
        let text = text.trim();
        if text.is_empty() {
            return Err(Invalid::new("Please write a few words."));
        }
        let count = text.chars().count();
        if count > Self::MAX_CHARS {
            return Err(Invalid::new(format!(
                "Please keep it under {} characters (this is {count}).",
                Self::MAX_CHARS
            )));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_enum!(
    /// A thank-you or a complaint.
    NoteKind, "a kind of note" { Thanks = "thanks", Complaint = "complaint" }
);

text_enum!(
    /// How the customer wants to be named in public.
    Display, "how to be named" { Full = "full", First = "first", Anonymous = "anonymous" }
);

text_enum!(
    /// Where the customer met the rep.
    Channel, "a channel" {
        Phone = "phone", Chat = "chat", Email = "email", InPerson = "in_person", Other = "other",
    }
);

text_enum!(
    /// Where a note stands: waiting for a moderator (a thank-you its customer agreed to see
    /// published), on the wall or not, withdrawn by its customer, or erased.
    NoteStatus, "a status" {
        Received = "received",
        AwaitingModeration = "awaiting_moderation",
        Published = "published",
        Declined = "declined",
        Unpublished = "unpublished",
        Withdrawn = "withdrawn",
        Erased = "erased",
    }
);

impl Display {
    /// The customer's name as the public may see it.
    pub fn public_name(self, name: Option<&PersonName>) -> String {
        match (self, name) {
            (Self::Full, Some(name)) => name.as_str().to_owned(),
            (Self::First, Some(name)) => name.first_and_initial(),
            _ => "A customer".to_owned(),
        }
    }
}

impl Channel {
    pub fn label(self) -> &'static str {
        match self {
            Self::Phone => "Phone",
            Self::Chat => "Chat",
            Self::Email => "Email",
            Self::InPerson => "In person",
            Self::Other => "Other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_keep_line_breaks_and_trim() {
        let body = NoteBody::parse("  Thank you!\r\nShe stayed 28 minutes.\r ").unwrap();
        assert_eq!(body.as_str(), "Thank you!\nShe stayed 28 minutes.");
        let unicode = NoteBody::parse("Merci beaucoup 🙏 — 谢谢").unwrap();
        assert_eq!(unicode.as_str(), "Merci beaucoup 🙏 — 谢谢");
        let markup = NoteBody::parse("<script>alert(1)</script>").unwrap();
        assert_eq!(
            markup.as_str(),
            "<script>alert(1)</script>",
            "kept as text, escaped on output"
        );
    }

    #[test]
    fn hostile_bodies_are_refused() {
        let long = "é".repeat(NoteBody::MAX_CHARS + 1);
        for bad in [
            "",
            "  \n\t ",
            "hi\u{0}there",
            "a\u{1b}[2J",
            "x\u{202E}y",
            long.as_str(),
        ] {
            assert!(NoteBody::parse(bad).is_err(), "accepted {bad:?}");
        }
        let max = "é".repeat(NoteBody::MAX_CHARS);
        assert!(
            NoteBody::parse(&max).is_ok(),
            "the limit counts characters, not bytes"
        );
    }

    #[test]
    fn enums_parse_only_their_words() {
        assert_eq!(NoteKind::parse("thanks"), Ok(NoteKind::Thanks));
        assert_eq!(Channel::parse("in_person"), Ok(Channel::InPerson));
        for bad in [
            "",
            "Thanks",
            "praise",
            "than ks",
            "thanks\u{0}",
            "full;DROP",
        ] {
            assert!(NoteKind::parse(bad).is_err(), "accepted {bad:?}");
            assert!(Display::parse(bad).is_err(), "accepted {bad:?}");
        }
        // Space around a word, as a form field may carry it, is forgiven.
        assert_eq!(NoteKind::parse("thanks\n"), Ok(NoteKind::Thanks));
        assert_eq!(NoteKind::parse(" complaint "), Ok(NoteKind::Complaint));
        for d in Display::ALL {
            assert_eq!(Display::parse(d.as_str()), Ok(*d));
        }
    }

    #[test]
    fn public_names_follow_the_display_choice() {
        let pat = PersonName::parse("Pat Doe").unwrap();
        for (display, name, want) in [
            (Display::Full, Some(&pat), "Pat Doe"),
            (Display::First, Some(&pat), "Pat D."),
            (Display::Anonymous, Some(&pat), "A customer"),
            (Display::Full, None, "A customer"),
        ] {
            assert_eq!(display.public_name(name), want);
        }
    }
}
