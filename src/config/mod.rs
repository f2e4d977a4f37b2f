//! Settings in layers: built-in defaults < optional TOML file < `HEARD_*` variables and flags.
//!
//! Each setting is declared once, in the table below: its `--help` text, its variable, its
//! name (the flag and the file key), the type that parses and checks it, and its default.
//! Secrets are wrapped in [`Secret`], whose `Debug` never shows the value.

mod data_dir;
pub mod layers;
mod secret;
#[cfg(test)]
mod tests;
pub mod values;

use std::path::PathBuf;

pub use data_dir::{create_private_dir, make_private, write_private};
use layers::settings;
pub use secret::Secret;
use values::{BaseUrl, List, MailFrom, Origin, ProxyNet, Seconds, SecretKey, SmtpUrl};
pub use values::{HostPort, LogFormat, Metrics};

use crate::db::DatabaseUrl;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("cannot read config file {path}: {reason}")]
    File { path: String, reason: String },
    #[error(
        "cannot write to data directory {path} ({reason}); set HEARD_DATA_DIR to a writable directory"
    )]
    DataDir { path: String, reason: String },
}

/// `HEARD_MAIL_FROM` unless set: the sender's name then follows the organisation's name.
pub const DEFAULT_MAIL_FROM: &str = "Heard <heard@localhost>";

// Defaults are written as the variable would be, and parsed like it; a default may use the
// settings above it. With no default, the setting is optional.
settings! {
    /// sqlite://PATH (default sqlite://data/heard.db) or postgres://USER@HOST/DB.
    #[arg(hide_env_values = true)]
    "HEARD_DATABASE_URL" database_url as database: DatabaseUrl = "sqlite://data/heard.db";
    /// Address to listen on [default: 127.0.0.1:8080].
    "HEARD_BIND" bind: HostPort = "127.0.0.1:8080";
    /// Public URL of this instance, used in links inside emails [default: http://<bind>].
    "HEARD_BASE_URL" base_url: BaseUrl = format!("http://{bind}");
    /// Directory for the SQLite database, the generated secret key and .eml files [default: data].
    "HEARD_DATA_DIR" data_dir: PathBuf = "data";
    /// Key that signs sessions (at least 32 characters); generated and kept in the data dir when unset.
    #[arg(hide_env_values = true)]
    "HEARD_SECRET_KEY" secret_key: SecretKey;
    /// smtp://user:pass@host:port, smtps://..., or smtp://host:port?tls=none; unset writes .eml files.
    #[arg(hide_env_values = true)]
    "HEARD_SMTP_URL" smtp_url: SmtpUrl = "";
    /// Sender of every email [default: Heard <heard@localhost>].
    "HEARD_MAIL_FROM" mail_from: MailFrom = "Heard <heard@localhost>";
    /// Public POSTs accepted per client address per minute; 0 turns the limit off [default: 30].
    "HEARD_RATE_LIMIT_PER_MINUTE" rate_limit_per_minute: u32 = "30";
    /// Comma-separated addresses or CIDRs whose X-Forwarded-For is believed [default: none].
    "HEARD_TRUSTED_PROXIES" trusted_proxies: List<ProxyNet> = "";
    /// A public form posted sooner than this after it was served is treated as automated [default: 3].
    "HEARD_FORM_MIN_SECONDS" form_min_seconds as form_min_age: Seconds = "3";
    /// Comma-separated origins (like https://www.example.com) allowed to frame /embed/wall [default: none].
    "HEARD_EMBED_ORIGINS" embed_origins: List<Origin> = "";
    /// Seconds a mail worker holds the emails it is sending; after a crash, others wait this long [default: 120].
    "HEARD_MAIL_LEASE_SECONDS" mail_lease_seconds as mail_lease: Seconds<1, 3600> = "120";
    /// Where GET /metrics is served: `off`, `on` (on the main address, for private networks)
    /// or a `host:port` of its own that serves nothing else [default: off].
    "HEARD_METRICS" metrics: Metrics = "off";
    /// Log format: `text` or `json` [default: text].
    "HEARD_LOG_FORMAT" log_format: LogFormat = "text";
}
