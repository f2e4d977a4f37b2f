//! The brand an admin set, as stored in the settings table (three text settings), and the
//! [`Brand`] every page and email is drawn with.

use serde::Serialize;

use super::settings;
use crate::db::DbConn;
use crate::domain::brand::Colour;

const NAME: &str = "org_name";
const ACCENT: &str = "accent_colour";
const CUSTOM_CSS: &str = "custom_css";
const LOGO: &str = super::pictures::LOGO;

/// What an admin chose; empty means Heard's own look.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrandSettings {
    pub name: String,
    pub accent: Option<Colour>,
    pub custom_css: String,
    /// The logo's picture hash (see `store::pictures`), set by its own form.
    pub logo: Option<String>,
}

/// What templates are given as `brand`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Brand {
    /// The organisation's name, or "Heard" until one is set.
    pub name: String,
    /// Whether an organisation name is set (pages say "Thank someone at NAME").
    pub named: bool,
    /// The brand stylesheet's URL (its content hash included), when there is one.
    pub stylesheet: Option<String>,
    /// The logo's URL, when there is one.
    pub logo: Option<String>,
}

impl BrandSettings {
    pub fn load(conn: &mut DbConn) -> diesel::QueryResult<Self> {
        let mut out = Self::default();
        for (key, value) in settings::texts(conn, &[NAME, ACCENT, CUSTOM_CSS, LOGO])? {
            match key.as_str() {
                NAME => out.name = value,
                ACCENT => out.accent = Colour::parse(&value).ok(),
                CUSTOM_CSS => out.custom_css = value,
                LOGO => out.logo = Some(value).filter(|v| !v.is_empty()),
                _ => {}
            }
        }
        Ok(out)
    }

    /// Stores the name, accent and CSS (an empty name or CSS, or no accent, restores Heard's
    /// own); the logo has its own form.
    pub fn save(&self, conn: &mut DbConn) -> diesel::QueryResult<()> {
        let accent = self.accent.map(|c| c.to_string()).unwrap_or_default();
        settings::set_text(conn, NAME, &self.name)?;
        settings::set_text(conn, ACCENT, &accent)?;
        settings::set_text(conn, CUSTOM_CSS, &self.custom_css)
    }

    /// The brand stylesheet: the accent as CSS variables, then the admin's own CSS.
    pub fn stylesheet(&self) -> Option<String> {
        if self.accent.is_none() && self.custom_css.is_empty() {
            return None;
        }
        let mut css = String::from("/* The organisation's brand, set on Heard's settings. */\n");
        if let Some(accent) = self.accent {
            css.push_str(&format!(":root {{ --accent: {accent}; }}\n"));
        }
        css.push_str(&self.custom_css);
        Some(css)
    }

    pub fn brand(&self) -> Brand {
        let named = !self.name.is_empty();
        Brand {
            name: if named {
                self.name.clone()
            } else {
                "Heard".to_owned()
            },
            named,
            stylesheet: self.stylesheet().map(|css| {
                let hash = crate::store::hash_token(&css);
                format!("/brand/style.css?v={}", &hash[..16])
            }),
            logo: self
                .logo
                .as_ref()
                .map(|hash| format!("/pictures/{}", super::pictures::id(hash, "logo"))),
        }
    }
}

impl Default for Brand {
    fn default() -> Self {
        BrandSettings::default().brand()
    }
}
