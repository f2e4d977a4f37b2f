//! Settings in layers: built-in defaults < optional TOML file < `HEARD_*` variables and flags.
//!
//! Secrets are wrapped in [`Secret`], whose `Debug` and `Display` never show the value.

use std::fmt;
use std::fs;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rand::RngCore;
use serde::Deserialize;

use crate::cli::ConfigArgs;
use crate::db::DatabaseUrl;

/// A value that must never reach a log line or an error message.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

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

fn invalid(name: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        name,
        reason: reason.into(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Where `GET /metrics` is served (`HEARD_METRICS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Metrics {
    /// Not at all: `/metrics` is 404 (the default, so it never reaches the public internet).
    Off,
    /// On the main address, for deployments where that is reachable only from a private network.
    Public,
    /// On a second listener of its own, at this `host:port`, which serves nothing else.
    Separate(String),
}

impl Metrics {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            "" | "off" => Ok(Self::Off),
            "on" => Ok(Self::Public),
            addr => {
                let valid = addr
                    .rsplit_once(':')
                    .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
                if valid && !addr.contains(['/', ' ']) {
                    Ok(Self::Separate(addr.to_owned()))
                } else {
                    Err(format!(
                        "{addr:?} is not off, on, or an address like 127.0.0.1:9090"
                    ))
                }
            }
        }
    }
}

/// An address or network whose `X-Forwarded-For` header is believed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> Result<Self, String> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("{text:?} is not an IP address or CIDR"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?} has a bad prefix length"))?,
        };
        Ok(Self { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        fn masked(bits: u128, prefix: u8, width: u8) -> u128 {
            if prefix == 0 {
                0
            } else {
                bits >> (width - prefix)
            }
        }
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                masked(u32::from(net).into(), self.prefix, 32)
                    == masked(u32::from(ip).into(), self.prefix, 32)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                masked(u128::from(net), self.prefix, 128)
                    == masked(u128::from(ip), self.prefix, 128)
            }
            _ => false,
        }
    }
}

/// The settings file: the same names as the variables, lower-cased, without the prefix.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLayer {
    database_url: Option<String>,
    bind: Option<String>,
    base_url: Option<String>,
    data_dir: Option<PathBuf>,
    secret_key: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    rate_limit_per_minute: Option<u32>,
    trusted_proxies: Option<Vec<String>>,
    form_min_seconds: Option<u64>,
    embed_origins: Option<Vec<String>>,
    log_format: Option<String>,
    mail_lease_seconds: Option<u64>,
    metrics: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseUrl,
    pub bind: String,
    /// Without a trailing slash.
    pub base_url: String,
    pub data_dir: PathBuf,
    pub secret_key: Option<Secret>,
    pub smtp_url: Option<Secret>,
    pub mail_from: String,
    pub rate_limit_per_minute: u32,
    pub trusted_proxies: Vec<Cidr>,
    pub form_min_seconds: u64,
    /// Origins allowed to frame `/embed/wall`.
    pub embed_origins: Vec<String>,
    pub log_format: LogFormat,
    /// How long a mail worker's claim on an email lasts (see `mail::worker`).
    pub mail_lease_seconds: u64,
    /// Where `/metrics` is served: nowhere, on the main address, or on one of its own.
    pub metrics: Metrics,
}

fn parse_number<T: std::str::FromStr>(name: &'static str, text: &str) -> Result<T, ConfigError> {
    text.trim()
        .parse()
        .map_err(|_| invalid(name, format!("{text:?} is not a whole number")))
}

impl Settings {
    /// Builds the settings from the layers; nothing is written to disk.
    pub fn load(args: &ConfigArgs) -> Result<Self, ConfigError> {
        let file = match &args.config_file {
            Some(path) => read_file_layer(path)?,
            None => FileLayer::default(),
        };
        let data_dir = args
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("data"));
        let database_url = args
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| "sqlite://data/heard.db".to_owned());
        let database = DatabaseUrl::parse(&database_url)
            .map_err(|reason| invalid("HEARD_DATABASE_URL", reason))?;
        let bind = args
            .bind
            .clone()
            .or(file.bind)
            .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        if !bind.contains(':') {
            return Err(invalid(
                "HEARD_BIND",
                format!("{bind:?} needs a host and a port, like 127.0.0.1:8080"),
            ));
        }
        let base_url = args
            .base_url
            .clone()
            .or(file.base_url)
            .unwrap_or_else(|| format!("http://{bind}"));
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(invalid(
                "HEARD_BASE_URL",
                format!("{base_url:?} must start with http:// or https://"),
            ));
        }
        let secret_key = args.secret_key.clone().or(file.secret_key).map(Secret::new);
        if let Some(key) = &secret_key
            && key.expose().len() < 32
        {
            return Err(invalid(
                "HEARD_SECRET_KEY",
                "it must be at least 32 characters long",
            ));
        }
        let smtp_url = args
            .smtp_url
            .clone()
            .or(file.smtp_url)
            .filter(|s| !s.is_empty())
            .map(Secret::new);
        if let Some(url) = &smtp_url {
            let scheme = url.expose().split("://").next().unwrap_or_default();
            if !matches!(scheme, "smtp" | "smtps") || !url.expose().contains("://") {
                return Err(invalid(
                    "HEARD_SMTP_URL",
                    "it must start with smtp:// or smtps://",
                ));
            }
        }
        let mail_from = args
            .mail_from
            .clone()
            .or(file.mail_from)
            .unwrap_or_else(|| "Heard <heard@localhost>".to_owned());
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(invalid(
                "HEARD_MAIL_FROM",
                format!("{mail_from:?} is not a mailbox like Heard <heard@example.com>"),
            ));
        }
        let rate_limit_per_minute = match &args.rate_limit_per_minute {
            Some(text) => parse_number("HEARD_RATE_LIMIT_PER_MINUTE", text)?,
            None => file.rate_limit_per_minute.unwrap_or(30),
        };
        let form_min_seconds = match &args.form_min_seconds {
            Some(text) => parse_number("HEARD_FORM_MIN_SECONDS", text)?,
            None => file.form_min_seconds.unwrap_or(3),
        };
        let mail_lease_seconds = match &args.mail_lease_seconds {
            Some(text) => parse_number("HEARD_MAIL_LEASE_SECONDS", text)?,
            None => file.mail_lease_seconds.unwrap_or(120),
        };
        if !(1..=3600).contains(&mail_lease_seconds) {
            return Err(invalid(
                "HEARD_MAIL_LEASE_SECONDS",
                "must be from 1 to 3600 seconds".to_owned(),
            ));
        }
        let proxies: Vec<String> = match &args.trusted_proxies {
            Some(text) => text.split(',').map(str::to_owned).collect(),
            None => file.trusted_proxies.unwrap_or_default(),
        };
        let trusted_proxies = proxies
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .map(Cidr::parse)
            .collect::<Result<_, _>>()
            .map_err(|reason| invalid("HEARD_TRUSTED_PROXIES", reason))?;
        let origins: Vec<String> = match &args.embed_origins {
            Some(text) => text.split(',').map(str::to_owned).collect(),
            None => file.embed_origins.unwrap_or_default(),
        };
        let embed_origins = origins
            .iter()
            .map(|o| o.trim().trim_end_matches('/'))
            .filter(|o| !o.is_empty())
            .map(|o| {
                let ok = (o.starts_with("https://") || o.starts_with("http://"))
                    && !o.contains([' ', ';', ',', '\'', '"'])
                    && o.split("://")
                        .nth(1)
                        .is_some_and(|host| !host.is_empty() && !host.contains('/'));
                ok.then(|| o.to_owned()).ok_or_else(|| {
                    invalid(
                        "HEARD_EMBED_ORIGINS",
                        format!("{o:?} is not an origin like https://www.example.com"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let log_format = match args
            .log_format
            .clone()
            .or(file.log_format)
            .as_deref()
            .unwrap_or("text")
        {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(invalid(
                    "HEARD_LOG_FORMAT",
                    format!("{other:?} is neither text nor json"),
                ));
            }
        };
        let metrics = Metrics::parse(
            args.metrics
                .clone()
                .or(file.metrics)
                .as_deref()
                .unwrap_or("off"),
        )
        .map_err(|reason| invalid("HEARD_METRICS", reason))?;
        Ok(Self {
            database,
            bind,
            base_url: base_url.trim_end_matches('/').to_owned(),
            data_dir,
            secret_key,
            smtp_url,
            mail_from,
            rate_limit_per_minute,
            trusted_proxies,
            form_min_seconds,
            embed_origins,
            log_format,
            mail_lease_seconds,
            metrics,
        })
    }

    /// Where emails are written as `.eml` files when no SMTP server is set.
    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    /// Creates the data directory if needed and checks that it can be written to.
    pub fn ensure_data_dir(&self) -> Result<(), ConfigError> {
        let fail = |e: std::io::Error| ConfigError::DataDir {
            path: self.data_dir.display().to_string(),
            reason: e.kind().to_string(),
        };
        create_private_dir(&self.data_dir).map_err(fail)?;
        let probe = self.data_dir.join(".write-test");
        fs::write(&probe, b"").map_err(fail)?;
        fs::remove_file(&probe).map_err(fail)
    }

    /// The key that signs sessions: configured, or read from (or generated once into) the data dir.
    pub fn resolve_secret_key(&self) -> Result<Secret, ConfigError> {
        if let Some(key) = &self.secret_key {
            return Ok(key.clone());
        }
        let path = self.data_dir.join("secret_key");
        if let Ok(existing) = fs::read_to_string(&path) {
            let existing = existing.trim();
            if existing.len() >= 32 {
                return Ok(Secret::new(existing));
            }
        }
        self.ensure_data_dir()?;
        let mut bytes = [0u8; 64];
        rand::rng().fill_bytes(&mut bytes);
        let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        write_private_file(&path, key.as_bytes()).map_err(|e| ConfigError::DataDir {
            path: self.data_dir.display().to_string(),
            reason: e.kind().to_string(),
        })?;
        tracing::info!(
            path = %path.display(),
            "generated a new secret key; keep this file, or set HEARD_SECRET_KEY (the same on every instance)"
        );
        Ok(Secret::new(key))
    }
}

fn read_file_layer(path: &Path) -> Result<FileLayer, ConfigError> {
    let text = fs::read_to_string(path).map_err(|e| ConfigError::File {
        path: path.display().to_string(),
        reason: e.kind().to_string(),
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::File {
        path: path.display().to_string(),
        reason: e.message().to_owned(),
    })
}

/// Writes the whole file or nothing: a temporary file, renamed into place, readable by the owner only.
fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    write_private(&tmp, contents)?;
    fs::rename(&tmp, path)
}

/// Creates a directory (and any missing parents) that only its owner may enter (0700 on
/// Unix); one that already exists is left as it is.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Makes an existing file readable and writable by its owner only (0600 on Unix).
pub fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Writes a file (replacing its contents) that only its owner may read (0600 on Unix),
/// synced to disk.
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    // A file left by an earlier run keeps its mode when opened: set it.
    make_private(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> ConfigArgs {
        ConfigArgs::default()
    }

    #[test]
    fn defaults_follow_the_contract() {
        let s = Settings::load(&args()).unwrap();
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert_eq!(s.base_url, "http://127.0.0.1:8080");
        assert_eq!(s.data_dir, PathBuf::from("data"));
        assert_eq!(s.rate_limit_per_minute, 30);
        assert_eq!(s.form_min_seconds, 3);
        assert_eq!(s.mail_from, "Heard <heard@localhost>");
        assert!(s.smtp_url.is_none());
        assert!(s.trusted_proxies.is_empty());
        assert_eq!(s.metrics, Metrics::Off, "/metrics is not public by default");
        assert!(
            matches!(s.database, DatabaseUrl::Sqlite(ref p) if p == Path::new("data/heard.db"))
        );
    }

    #[test]
    fn flags_win_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("heard.toml");
        fs::write(
            &file,
            "bind = \"0.0.0.0:9000\"\nrate_limit_per_minute = 5\n",
        )
        .unwrap();
        let mut a = args();
        a.config_file = Some(file);
        a.rate_limit_per_minute = Some("7".into());
        let s = Settings::load(&a).unwrap();
        assert_eq!(s.bind, "0.0.0.0:9000");
        assert_eq!(s.rate_limit_per_minute, 7);
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("heard.toml");
        fs::write(&file, "bnid = \"0.0.0.0:9000\"\n").unwrap();
        let mut a = args();
        a.config_file = Some(file);
        assert!(matches!(Settings::load(&a), Err(ConfigError::File { .. })));
    }

    #[test]
    fn bad_values_name_the_variable() {
        type Case = (fn(&mut ConfigArgs), &'static str);
        let cases: Vec<Case> = vec![
            (
                |a| a.database_url = Some("mysql://x".into()),
                "HEARD_DATABASE_URL",
            ),
            (|a| a.bind = Some("8080".into()), "HEARD_BIND"),
            (|a| a.base_url = Some("ftp://x".into()), "HEARD_BASE_URL"),
            (|a| a.secret_key = Some("short".into()), "HEARD_SECRET_KEY"),
            (|a| a.smtp_url = Some("http://x".into()), "HEARD_SMTP_URL"),
            (
                |a| a.mail_from = Some("not an address".into()),
                "HEARD_MAIL_FROM",
            ),
            (
                |a| a.rate_limit_per_minute = Some("-1".into()),
                "HEARD_RATE_LIMIT_PER_MINUTE",
            ),
            (
                |a| a.trusted_proxies = Some("10.0.0.0/40".into()),
                "HEARD_TRUSTED_PROXIES",
            ),
            (
                |a| a.form_min_seconds = Some("soon".into()),
                "HEARD_FORM_MIN_SECONDS",
            ),
            (|a| a.log_format = Some("xml".into()), "HEARD_LOG_FORMAT"),
            (|a| a.metrics = Some("yes".into()), "HEARD_METRICS"),
            (
                |a| a.metrics = Some("10.0.0.1:port".into()),
                "HEARD_METRICS",
            ),
            (
                |a| a.embed_origins = Some("example.com".into()),
                "HEARD_EMBED_ORIGINS",
            ),
            (
                |a| a.embed_origins = Some("https://x.io; script-src *".into()),
                "HEARD_EMBED_ORIGINS",
            ),
        ];
        for (set, name) in cases {
            let mut a = args();
            set(&mut a);
            let err = Settings::load(&a).unwrap_err().to_string();
            assert!(err.starts_with(name), "{err}");
        }
    }

    #[test]
    fn secrets_never_print() {
        let mut a = args();
        a.smtp_url = Some("smtp://user:hunter2@mail.example:587".into());
        a.secret_key = Some("k".repeat(40));
        let s = Settings::load(&a).unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2"));
        assert!(!shown.contains(&"k".repeat(40)));
    }

    #[test]
    fn metrics_settings() {
        for (text, want) in [
            ("off", Metrics::Off),
            ("on", Metrics::Public),
            ("127.0.0.1:9090", Metrics::Separate("127.0.0.1:9090".into())),
            ("[::1]:9090", Metrics::Separate("[::1]:9090".into())),
            (
                "metrics.internal:9090",
                Metrics::Separate("metrics.internal:9090".into()),
            ),
        ] {
            assert_eq!(Metrics::parse(text), Ok(want), "{text}");
        }
        for bad in ["true", ":9090", "host:", "host:99999", "http://x:1"] {
            assert!(Metrics::parse(bad).is_err(), "{bad}");
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("heard.toml");
        fs::write(&file, "metrics = \"on\"\n").unwrap();
        let mut a = args();
        a.config_file = Some(file);
        assert_eq!(Settings::load(&a).unwrap().metrics, Metrics::Public);
    }

    #[test]
    fn cidrs_match_addresses() {
        let net = Cidr::parse("10.1.0.0/16").unwrap();
        assert!(net.contains("10.1.200.3".parse().unwrap()));
        assert!(!net.contains("10.2.0.1".parse().unwrap()));
        assert!(!net.contains("::1".parse().unwrap()));
        let one = Cidr::parse("::1").unwrap();
        assert!(one.contains("::1".parse().unwrap()));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(Cidr::parse("nonsense").is_err());
    }

    #[test]
    fn the_secret_key_is_generated_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = args();
        a.data_dir = Some(dir.path().join("nested"));
        let s = Settings::load(&a).unwrap();
        let first = s.resolve_secret_key().unwrap();
        let second = s.resolve_secret_key().unwrap();
        assert_eq!(first, second);
        assert_eq!(first.expose().len(), 128);
    }
}
