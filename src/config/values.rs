//! The types that parse each setting, and so check it: an address, a URL, a number of
//! seconds, a list of networks. Each error says what is wrong with the value; the caller
//! puts the variable's name in front.

use std::fmt;
use std::marker::PhantomData;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use ipnet::IpNet;

use super::Secret;
use super::layers::{Problem, Raw, Setting, Text};
use crate::db::DatabaseUrl;

impl Text for DatabaseUrl {
    type Value = Self;
    fn parse(text: &str) -> Result<Self, String> {
        // The inherent `DatabaseUrl::parse`.
        DatabaseUrl::parse(text)
    }
}

/// A `host:port` to listen on; the host is an address or a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPort(String);

impl HostPort {
    /// A host, a colon and a port, and nothing that belongs in a URL.
    pub fn new(text: &str) -> Option<Self> {
        let valid = text
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
        (valid && !text.contains(['/', ' '])).then(|| Self(text.to_owned()))
    }
}

impl Text for HostPort {
    type Value = Self;
    fn parse(text: &str) -> Result<Self, String> {
        Self::new(text)
            .ok_or_else(|| format!("{text:?} needs a host and a port, like 127.0.0.1:8080"))
    }
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl ToSocketAddrs for HostPort {
    type Iter = std::vec::IntoIter<SocketAddr>;
    fn to_socket_addrs(&self) -> std::io::Result<Self::Iter> {
        self.0.to_socket_addrs()
    }
}

/// The public URL of the instance: `http://` or `https://`, kept without a trailing slash.
pub struct BaseUrl;

impl Text for BaseUrl {
    type Value = String;
    fn parse(text: &str) -> Result<String, String> {
        if text.starts_with("http://") || text.starts_with("https://") {
            Ok(text.trim_end_matches('/').to_owned())
        } else {
            Err(format!("{text:?} must start with http:// or https://"))
        }
    }
}

impl Setting for PathBuf {
    type Value = Self;
    type Arg = Self;
    fn parse(raw: Raw<Self>) -> Result<Self, Problem> {
        match raw {
            Raw::Arg(path) => Ok(path),
            Raw::File(toml::Value::String(path)) => Ok(path.into()),
            Raw::File(_) => Err(Problem::WrongType("a string")),
        }
    }
}

/// The key that signs sessions: at least 32 characters; previous keys, still accepted, may
/// follow it, comma-separated.
pub struct SecretKey;

impl Text for SecretKey {
    type Value = Secret;
    fn parse(text: &str) -> Result<Secret, String> {
        let keys: Vec<&str> = text.split(',').map(str::trim).collect();
        if keys.iter().any(|key| key.len() < 32) {
            return Err(if keys.len() > 1 {
                "each key in the list must be at least 32 characters long".to_owned()
            } else {
                "it must be at least 32 characters long".to_owned()
            });
        }
        Ok(Secret::new(keys.join(",")))
    }
}

/// The SMTP server, `smtp://` or `smtps://`; empty is none.
pub struct SmtpUrl;

impl Text for SmtpUrl {
    type Value = Option<Secret>;
    fn parse(text: &str) -> Result<Option<Secret>, String> {
        if text.is_empty() {
            Ok(None)
        } else if text.starts_with("smtp://") || text.starts_with("smtps://") {
            Ok(Some(Secret::new(text)))
        } else {
            Err("it must start with smtp:// or smtps://".to_owned())
        }
    }
}

/// The sender of every email: a mailbox, with or without a name.
pub struct MailFrom;

impl Text for MailFrom {
    type Value = String;
    fn parse(text: &str) -> Result<String, String> {
        match text.parse::<lettre::message::Mailbox>() {
            Ok(_) => Ok(text.to_owned()),
            Err(_) => Err(format!(
                "{text:?} is not a mailbox like Heard <heard@example.com>"
            )),
        }
    }
}

fn whole_number<T: FromStr>(raw: Raw<String>) -> Result<T, Problem> {
    let text = raw.number_text()?;
    text.trim()
        .parse()
        .map_err(|_| Problem::Invalid(format!("{text:?} is not a whole number")))
}

impl Setting for u32 {
    type Value = Self;
    type Arg = String;
    fn parse(raw: Raw<String>) -> Result<Self, Problem> {
        whole_number(raw)
    }
}

/// A time given in whole seconds, from `MIN` to `MAX`.
pub struct Seconds<const MIN: u64 = 0, const MAX: u64 = { u64::MAX }>;

impl<const MIN: u64, const MAX: u64> Setting for Seconds<MIN, MAX> {
    type Value = Duration;
    type Arg = String;
    fn parse(raw: Raw<String>) -> Result<Duration, Problem> {
        let seconds = whole_number(raw)?;
        if !(MIN..=MAX).contains(&seconds) {
            return Err(format!("must be from {MIN} to {MAX} seconds").into());
        }
        Ok(Duration::from_secs(seconds))
    }
}

/// Items of one kind: comma-separated in a flag, an array in the file; blank ones are skipped.
pub struct List<T>(PhantomData<T>);

impl<T: Text> Setting for List<T> {
    type Value = Vec<T::Value>;
    type Arg = String;
    fn parse(raw: Raw<String>) -> Result<Self::Value, Problem> {
        raw.items()?
            .iter()
            .map(|item| item.trim())
            .filter(|item| !item.is_empty())
            .map(|item| T::parse(item).map_err(Problem::Invalid))
            .collect()
    }
}

/// A proxy whose `X-Forwarded-For` is believed: a network (`10.0.0.0/8`) or one address.
pub struct ProxyNet;

impl Text for ProxyNet {
    type Value = IpNet;
    fn parse(text: &str) -> Result<IpNet, String> {
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("{text:?} is not an IP address or CIDR"))?;
        match prefix {
            None => Ok(IpNet::from(addr)),
            Some(prefix) => prefix
                .trim()
                .parse()
                .ok()
                .and_then(|prefix| IpNet::new(addr, prefix).ok())
                .ok_or_else(|| format!("{text:?} has a bad prefix length")),
        }
    }
}

/// An origin allowed to frame the wall, like `https://www.example.com` (a trailing slash is dropped).
pub struct Origin;

impl Text for Origin {
    type Value = String;
    fn parse(text: &str) -> Result<String, String> {
        let origin = text.trim_end_matches('/');
        let ok = (origin.starts_with("https://") || origin.starts_with("http://"))
            && !origin.contains([' ', ';', ',', '\'', '"'])
            && origin
                .split("://")
                .nth(1)
                .is_some_and(|host| !host.is_empty() && !host.contains('/'));
        if ok {
            Ok(origin.to_owned())
        } else {
            Err(format!(
                "{origin:?} is not an origin like https://www.example.com"
            ))
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl Text for LogFormat {
    type Value = Self;
    fn parse(text: &str) -> Result<Self, String> {
        match text {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            other => Err(format!("{other:?} is neither text nor json")),
        }
    }
}

/// Where `GET /metrics` is served (`HEARD_METRICS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Metrics {
    /// Not at all: `/metrics` is 404 (the default, so it never reaches the public internet).
    Off,
    /// On the main address, for deployments where that is reachable only from a private network.
    Public,
    /// On a second listener of its own, at this `host:port`, which serves nothing else.
    Separate(HostPort),
}

impl Metrics {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            "" | "off" => Ok(Self::Off),
            "on" => Ok(Self::Public),
            addr => HostPort::new(addr).map(Self::Separate).ok_or_else(|| {
                format!("{addr:?} is not off, on, or an address like 127.0.0.1:9090")
            }),
        }
    }
}

impl Text for Metrics {
    type Value = Self;
    fn parse(text: &str) -> Result<Self, String> {
        // The inherent `Metrics::parse`.
        Metrics::parse(text)
    }
}
