//! The organisation's brand as an admin sets it: its name, an accent colour that must stay
//! readable (WCAG AA contrast, checked before it is saved) and optional custom CSS.

use std::fmt;

use super::Invalid;
use super::text::single_line;

/// The organisation's name as pages and emails say it ("Thank someone at Acme Telecom").
pub fn org_name(input: &str) -> Result<String, Invalid> {
    single_line(input, "The organisation's name", 80)
}

/// The custom stylesheet may be this long (in bytes).
pub const CUSTOM_CSS_MAX: usize = 32 * 1024;

/// Custom CSS, served as a stylesheet from Heard's own origin (so the Content-Security-Policy
/// still decides what it may load). It is only checked for size and for characters no
/// stylesheet needs.
pub fn custom_css(input: &str) -> Result<String, Invalid> {
    if input.len() > CUSTOM_CSS_MAX {
        return Err(Invalid::new(format!(
            "Custom CSS must be at most {} KB.",
            CUSTOM_CSS_MAX / 1024
        )));
    }
    if input
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Invalid::new(
            "Custom CSS cannot contain control characters.",
        ));
    }
    Ok(input.replace("\r\n", "\n").trim().to_owned())
}

/// An sRGB colour, written `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour {
    r: u8,
    g: u8,
    b: u8,
}

/// The page and card backgrounds the accent is shown on (see `static/css/00-base.css`): the page,
/// cards and button text, the error summary, and the initials' circle.
pub const PAPER: Colour = Colour::rgb(0xfb, 0xf8, 0xf4);
pub const WHITE: Colour = Colour::rgb(0xff, 0xff, 0xff);
pub const ERROR_TINT: Colour = Colour::rgb(0xff, 0xf5, 0xf5);
pub const AVATAR_TINT: Colour = Colour::rgb(0xf3, 0xe3, 0xe5);

/// WCAG AA for normal text.
pub const AA: f64 = 4.5;

impl Colour {
    pub const fn rgb(r: u8, g: u8, b: u8) -> Self {
        Self { r, g, b }
    }

    /// `#rrggbb` or `#rgb`, any case.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let wrong = || Invalid::new("Enter a colour as # and six hex digits, like #a3202f.");
        let hex = input.trim().strip_prefix('#').ok_or_else(wrong)?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(wrong());
        }
        let digit = |i: usize, len: usize| {
            u8::from_str_radix(&hex[i * len..(i + 1) * len], 16).map_err(|_| wrong())
        };
        match hex.len() {
            6 => Ok(Self::rgb(digit(0, 2)?, digit(1, 2)?, digit(2, 2)?)),
            3 => Ok(Self::rgb(
                digit(0, 1)? * 17,
                digit(1, 1)? * 17,
                digit(2, 1)? * 17,
            )),
            _ => Err(wrong()),
        }
    }

    /// Relative luminance (WCAG 2.2).
    pub fn luminance(self) -> f64 {
        let channel = |v: u8| {
            let c = f64::from(v) / 255.0;
            if c <= 0.040_45 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.r) + 0.7152 * channel(self.g) + 0.0722 * channel(self.b)
    }

    /// The contrast ratio of two colours, from 1 to 21.
    pub fn contrast(self, other: Self) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (light, dark) = if a > b { (a, b) } else { (b, a) };
        (light + 0.05) / (dark + 0.05)
    }

    /// An accent is white button text's background and the colour of links and errors on
    /// the page: it must reach AA against white and the page's paper.
    pub fn check_accent(self) -> Result<Self, Invalid> {
        let worst = [WHITE, PAPER, ERROR_TINT, AVATAR_TINT]
            .into_iter()
            .map(|bg| self.contrast(bg))
            .fold(f64::INFINITY, f64::min);
        if worst < AA {
            return Err(Invalid::new(format!(
                "{self} is too light to read on the page: its contrast is {worst:.1}:1, and text needs at least {AA}:1. Choose a darker colour."
            )));
        }
        Ok(self)
    }
}

impl fmt::Display for Colour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_in_both_lengths_and_print_in_one() {
        assert_eq!(Colour::parse("#A3202F").unwrap().to_string(), "#a3202f");
        assert_eq!(Colour::parse(" #fff ").unwrap(), WHITE);
        for bad in ["a3202f", "#a3202", "#ggg", "#a3202f00", "", "#", "#+1+1+1"] {
            assert!(Colour::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn contrast_matches_the_known_answers() {
        let black = Colour::rgb(0, 0, 0);
        assert!((black.contrast(WHITE) - 21.0).abs() < 1e-9);
        assert!((WHITE.contrast(WHITE) - 1.0).abs() < 1e-9);
        // #767676 on white is the classic 4.54:1.
        let grey = Colour::parse("#767676").unwrap();
        assert!((grey.contrast(WHITE) - 4.54).abs() < 0.01);
    }

    #[test]
    fn an_accent_must_be_readable() {
        assert!(Colour::parse("#a3202f").unwrap().check_accent().is_ok());
        let pale = Colour::parse("#ffcc00").unwrap().check_accent();
        let message = pale.unwrap_err().0;
        assert!(message.contains("#ffcc00 is too light"), "{message}");
        assert!(
            message.contains("1.") || message.contains(":1"),
            "{message}"
        );
        // Just under AA on the paper, though above it on white.
        let edge = Colour::parse("#767676").unwrap();
        assert!(edge.contrast(WHITE) >= AA && edge.contrast(PAPER) < AA);
        assert!(edge.check_accent().is_err());
    }

    #[test]
    fn custom_css_is_capped_and_plain() {
        assert_eq!(
            custom_css(" a { color: red }\r\n").unwrap(),
            "a { color: red }"
        );
        assert!(custom_css(&"a".repeat(CUSTOM_CSS_MAX + 1)).is_err());
        assert!(custom_css("a{}\u{0}").is_err());
    }

    #[test]
    fn the_name_is_one_line() {
        assert_eq!(org_name("  Acme   Telecom ").unwrap(), "Acme Telecom");
        assert!(org_name("Acme\nBcc: x@y.z").is_err());
        assert!(org_name(" ").is_err());
    }
}
