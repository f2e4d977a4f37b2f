//! Sending email: SMTP (pooled, with a hard timeout), `.eml` files when no SMTP server is
//! configured, or memory (tests). Beside it: composing each email (`compose`), and the
//! outbox worker that sends them.

pub mod compose;
pub mod render;
pub mod schedule;
pub mod stats;
pub mod worker;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{Secret, Settings};

/// No single send may take longer than this, whatever the server does.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("HEARD_SMTP_URL is invalid: {0}")]
    Config(String),
    #[error("cannot resolve the mail server {host}: {reason}")]
    Dns { host: String, reason: String },
    #[error("cannot connect to the mail server {addr}: {reason}")]
    Connect { addr: String, reason: String },
    #[error("TLS with the mail server failed: {0}")]
    Tls(String),
    #[error("the mail server refused the login: {0}")]
    Auth(String),
    #[error("the mail server rejected the message: {0}")]
    Rejected(String),
    #[error("the mail server did not answer within {0:?}")]
    Timeout(Duration),
    #[error("sending failed: {0}")]
    Other(String),
    #[error("cannot write the email file {path}: {reason}")]
    File { path: String, reason: String },
}

/// Where mail goes.
#[derive(Clone)]
pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        host: String,
        port: u16,
    },
    File(PathBuf),
    Memory(Arc<Mutex<Vec<Message>>>),
}

/// Our SMTP URL contract, translated to lettre's: plain `smtp://` means STARTTLS when
/// offered, `?tls=none` means no TLS at all.
fn lettre_url(url: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let params: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    let tls = params
        .iter()
        .find_map(|p| p.strip_prefix("tls="))
        .unwrap_or(if base.starts_with("smtps://") {
            "wrapper"
        } else {
            "opportunistic"
        });
    let others: Vec<&str> = params
        .into_iter()
        .filter(|p| !p.starts_with("tls="))
        .collect();
    let mut query: Vec<String> = others.iter().map(|s| s.to_string()).collect();
    if base.starts_with("smtp://") && tls != "none" {
        query.push(format!("tls={tls}"));
    }
    if query.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", query.join("&"))
    }
}

fn host_and_port(url: &str) -> (String, u16) {
    let plain = !url.starts_with("smtps://");
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let tls_none = url.contains("tls=none");
    let default = if !plain {
        465
    } else if tls_none {
        25
    } else {
        587
    };
    match host_port.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || host_port.starts_with('[') => (
            host.trim_matches(['[', ']']).to_owned(),
            port.parse().unwrap_or(default),
        ),
        _ => (host_port.trim_matches(['[', ']']).to_owned(), default),
    }
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> Result<Self, MailError> {
        match &settings.smtp_url {
            Some(url) => Self::smtp(url),
            None => Ok(Self::File(settings.outbox_dir())),
        }
    }

    pub fn smtp(url: &Secret) -> Result<Self, MailError> {
        let (host, port) = host_and_port(url.expose());
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&lettre_url(url.expose()))
            .map_err(|e| MailError::Config(e.to_string()))?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        Ok(Self::Smtp {
            transport,
            host,
            port,
        })
    }

    pub fn memory() -> Self {
        Self::Memory(Arc::default())
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Smtp { host, port, .. } => format!("SMTP server {host}:{port}"),
            Self::File(dir) => format!(".eml files in {}", dir.display()),
            Self::Memory(_) => "memory".into(),
        }
    }

    /// Sends one message; `name` names the `.eml` file when writing files.
    pub async fn send(&self, message: Message, name: &str) -> Result<(), MailError> {
        match self {
            Self::Smtp { transport, .. } => {
                match tokio::time::timeout(SEND_TIMEOUT, transport.send(message)).await {
                    Err(_) => Err(MailError::Timeout(SEND_TIMEOUT)),
                    Ok(Err(e)) => Err(classify(&e)),
                    Ok(Ok(_)) => Ok(()),
                }
            }
            Self::File(dir) => write_eml(dir, name, &message.formatted()).await,
            Self::Memory(sent) => {
                sent.lock()
                    .map_err(|_| MailError::Other("mailbox lock poisoned".into()))?
                    .push(message);
                Ok(())
            }
        }
    }

    /// Checks, step by step, that the server can be reached and logged in to; says which step failed.
    pub async fn diagnose(&self) -> Result<String, MailError> {
        let Self::Smtp {
            transport,
            host,
            port,
        } = self
        else {
            return Ok(self.describe());
        };
        let addrs: Vec<_> = tokio::net::lookup_host((host.as_str(), *port))
            .await
            .map_err(|e| MailError::Dns {
                host: host.clone(),
                reason: e.to_string(),
            })?
            .collect();
        let addr = addrs.first().ok_or_else(|| MailError::Dns {
            host: host.clone(),
            reason: "no addresses".into(),
        })?;
        tokio::time::timeout(
            Duration::from_secs(10),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        .map_err(|_| MailError::Connect {
            addr: addr.to_string(),
            reason: "timed out".into(),
        })?
        .map_err(|e| MailError::Connect {
            addr: addr.to_string(),
            reason: e.to_string(),
        })?;
        match tokio::time::timeout(SEND_TIMEOUT, transport.test_connection()).await {
            Err(_) => Err(MailError::Timeout(SEND_TIMEOUT)),
            Ok(Err(e)) => Err(classify(&e)),
            Ok(Ok(true)) => Ok(self.describe()),
            Ok(Ok(false)) => Err(MailError::Other("the server did not answer NOOP".into())),
        }
    }
}

fn classify(e: &lettre::transport::smtp::Error) -> MailError {
    let text = e.to_string();
    if e.is_timeout() {
        MailError::Timeout(SEND_TIMEOUT)
    } else if e.is_tls() {
        MailError::Tls(text)
    } else if e.is_permanent() {
        let auth = e.status().is_some_and(|c| {
            let code = c.to_string();
            code.starts_with("535") || code.starts_with("530") || code.starts_with("534")
        });
        if auth {
            MailError::Auth(text)
        } else {
            MailError::Rejected(text)
        }
    } else {
        MailError::Other(text)
    }
}

/// The file name an email's `.eml` copy gets: its outbox id (or any name), made safe.
pub fn eml_file_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}.eml")
}

/// Writes the whole file or nothing (temporary file, then rename), readable by the owner
/// only, in a directory only the owner may enter.
async fn write_eml(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), MailError> {
    let fail = |path: &Path, e: std::io::Error| MailError::File {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    crate::config::create_private_dir(dir).map_err(|e| fail(dir, e))?;
    let file = eml_file_name(name);
    let path = dir.join(&file);
    let tmp = dir.join(format!(".{file}.tmp"));
    let contents = bytes.to_vec();
    let target = tmp.clone();
    tokio::task::spawn_blocking(move || crate::config::write_private(&target, &contents))
        .await
        .map_err(|e| MailError::Other(e.to_string()))?
        .map_err(|e| fail(&tmp, e))?;
    tokio::fs::rename(&tmp, &path)
        .await
        .map_err(|e| fail(&path, e))
}

/// Removes the `.eml` copies of these outbox rows from `dir`, if any were written; returns
/// how many were. Used after erasure and retention scrubbed the rows.
pub fn remove_eml_files(dir: &Path, ids: &[crate::db::ids::OutboxId]) -> usize {
    let mut removed = 0;
    for id in ids {
        let path = dir.join(eml_file_name(id.as_str()));
        match std::fs::remove_file(&path) {
            Ok(()) => removed += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::error!(path = %path.display(), error = %e, "cannot remove an erased email's file");
            }
        }
    }
    removed
}

/// A plain test message, for `heard check --send-test-email`.
pub fn test_message(from: &str, to: &str, base_url: &str) -> Result<Message, MailError> {
    let from: Mailbox = from
        .parse()
        .map_err(|e| MailError::Config(format!("HEARD_MAIL_FROM: {e}")))?;
    let to: Mailbox = to
        .parse()
        .map_err(|_| MailError::Rejected(format!("{to:?} is not an email address")))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject("Heard test email")
        .body(format!(
            "This is a test email from Heard at {base_url}.\n\nIf you can read it, email delivery works.\n"
        ))
        .map_err(|e| MailError::Other(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_follow_the_contract() {
        assert_eq!(
            lettre_url("smtp://u:p@mail:587"),
            "smtp://u:p@mail:587?tls=opportunistic"
        );
        assert_eq!(lettre_url("smtp://relay:25?tls=none"), "smtp://relay:25");
        assert_eq!(
            lettre_url("smtp://relay?tls=required"),
            "smtp://relay?tls=required"
        );
        assert_eq!(lettre_url("smtps://u:p@mail"), "smtps://u:p@mail");
        assert_eq!(
            host_and_port("smtp://u:p@mail.example:2525"),
            ("mail.example".into(), 2525)
        );
        assert_eq!(host_and_port("smtp://relay?tls=none"), ("relay".into(), 25));
        assert_eq!(host_and_port("smtps://mail"), ("mail".into(), 465));
        assert_eq!(host_and_port("smtp://mail"), ("mail".into(), 587));
    }

    #[tokio::test]
    async fn files_are_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = Mailer::File(dir.path().join("outbox"));
        let msg = test_message("Heard <heard@localhost>", "pat@example.com", "http://x").unwrap();
        mailer.send(msg, "row/../1").await.unwrap();
        let files: Vec<_> = std::fs::read_dir(dir.path().join("outbox"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(files, ["row____1.eml"]);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn files_are_private_and_can_be_removed_by_row_id() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let outbox = dir.path().join("outbox");
        let mailer = Mailer::File(outbox.clone());
        let id = crate::db::ids::OutboxId::new();
        let msg = test_message("Heard <heard@localhost>", "pat@example.com", "http://x").unwrap();
        mailer.send(msg, id.as_str()).await.unwrap();
        let path = outbox.join(eml_file_name(id.as_str()));
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&outbox), 0o700);
        let other = crate::db::ids::OutboxId::new();
        assert_eq!(remove_eml_files(&outbox, &[other, id.clone()]), 1);
        assert!(!path.exists());
        assert_eq!(remove_eml_files(&outbox, &[id]), 0);
    }
}
