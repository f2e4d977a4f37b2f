//! What a customer writes: the kind of note, its words, how they want to be named, the channel.

use std::fmt;

use super::{Invalid, PersonName, text::has_invisible_trick};

/// A customer's words: up to 5,000 characters, line breaks kept (CRLF folded to LF),
/// other control characters refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct FeedbackBody(String);

impl FeedbackBody {
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

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident = $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }

            pub fn parse(input: &str) -> Result<Self, Invalid> {
                match input.trim() {
                    $($text => Ok(Self::$variant),)*
                    _ => Err(Invalid::new(format!(
                        concat!("Choose ", $what, ": {}."),
                        [$($text),*].join(", ")
                    ))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use text_enum;

text_enum!(
    /// A thank-you or a complaint.
    FeedbackKind, "a kind of note" { Thanks = "thanks", Complaint = "complaint" }
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
        let body = FeedbackBody::parse("  Thank you!\r\nShe stayed 28 minutes.\r ").unwrap();
        assert_eq!(body.as_str(), "Thank you!\nShe stayed 28 minutes.");
        let unicode = FeedbackBody::parse("Merci beaucoup 🙏 — 谢谢").unwrap();
        assert_eq!(unicode.as_str(), "Merci beaucoup 🙏 — 谢谢");
        let markup = FeedbackBody::parse("<script>alert(1)</script>").unwrap();
        assert_eq!(
            markup.as_str(),
            "<script>alert(1)</script>",
            "kept as text, escaped on output"
        );
    }

    #[test]
    fn hostile_bodies_are_refused() {
        let long = "é".repeat(FeedbackBody::MAX_CHARS + 1);
        for bad in [
            "",
            "  \n\t ",
            "hi\u{0}there",
            "a\u{1b}[2J",
            "x\u{202E}y",
            long.as_str(),
        ] {
            assert!(FeedbackBody::parse(bad).is_err(), "accepted {bad:?}");
        }
        let max = "é".repeat(FeedbackBody::MAX_CHARS);
        assert!(
            FeedbackBody::parse(&max).is_ok(),
            "the limit counts characters, not bytes"
        );
    }

    #[test]
    fn enums_parse_only_their_words() {
        assert_eq!(FeedbackKind::parse("thanks"), Ok(FeedbackKind::Thanks));
        assert_eq!(Channel::parse("in_person"), Ok(Channel::InPerson));
        for bad in ["", "Thanks", "praise", "thanks\n", "full;DROP"] {
            assert!(FeedbackKind::parse(bad).is_err() || bad.trim() == "thanks");
            assert!(Display::parse(bad).is_err());
        }
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
