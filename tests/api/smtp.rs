//! A real SMTP server on a local port, in its own thread, that keeps what it receives.
//! Tests wait on it (no sleeps) with `wait_for`.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
    /// When the server accepted it (the end of DATA); read by `examples/delivery_bench.rs`.
    #[allow(dead_code)]
    pub at: Instant,
}

#[derive(Default)]
struct Inbox {
    mails: Mutex<Vec<ReceivedMail>>,
    arrived: Condvar,
    /// Replies to `RCPT TO` for particular recipients, like "550 5.1.1 no such user".
    rcpt_replies: Mutex<HashMap<String, String>>,
}

pub struct SmtpServer {
    pub port: u16,
    inbox: Arc<Inbox>,
}

impl SmtpServer {
    pub fn start() -> Self {
        Self::start_on(0)
    }

    /// Starts on a given port (0 for any), say one where an earlier server was down.
    pub fn start_on(port: u16) -> Self {
        let std_listener =
            std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind SMTP port");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let port = std_listener.local_addr().expect("addr").port();
        let inbox = Arc::new(Inbox::default());
        let shared = inbox.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("SMTP runtime");
            runtime.block_on(async move {
                let listener = TcpListener::from_std(std_listener).expect("listener");
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let inbox = shared.clone();
                    tokio::spawn(async move {
                        let _ = session(stream, inbox).await;
                    });
                }
            });
        });
        Self { port, inbox }
    }

    /// Answers `RCPT TO:<recipient>` with `reply` (a full SMTP reply line) from now on.
    pub fn reply_to_rcpt(&self, recipient: &str, reply: &str) {
        self.inbox
            .rcpt_replies
            .lock()
            .expect("replies")
            .insert(recipient.to_owned(), format!("{reply}\r\n"));
    }

    pub fn clear_replies(&self) {
        self.inbox.rcpt_replies.lock().expect("replies").clear();
    }

    pub fn count(&self) -> usize {
        self.inbox.mails.lock().expect("inbox").len()
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    /// Blocks until at least `n` messages arrived, or panics after `limit`.
    pub fn wait_for(&self, n: usize, limit: Duration) -> Vec<ReceivedMail> {
        wait(&self.inbox, n, limit)
    }

    /// Waits without blocking the async runtime (for tests where the app sends on its own).
    pub async fn wait_for_async(&self, n: usize, limit: Duration) -> Vec<ReceivedMail> {
        let inbox = self.inbox.clone();
        tokio::task::spawn_blocking(move || wait(&inbox, n, limit))
            .await
            .expect("wait")
    }
}

fn wait(inbox: &Inbox, n: usize, limit: Duration) -> Vec<ReceivedMail> {
    let deadline = Instant::now() + limit;
    let mut mails = inbox.mails.lock().expect("inbox");
    while mails.len() < n {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "expected {n} emails, got {}", mails.len());
        mails = inbox.arrived.wait_timeout(mails, left).expect("inbox").0;
    }
    mails.clone()
}

async fn session(stream: tokio::net::TcpStream, inbox: Arc<Inbox>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write
        .write_all(b"220 localhost test SMTP ready\r\n")
        .await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        let custom;
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if upper.starts_with("HELO")
            || upper.starts_with("NOOP")
            || upper.starts_with("RSET")
        {
            b"250 OK\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = command[10..].trim().trim_matches(['<', '>']).to_owned();
            to.clear();
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            let recipient = command[8..].trim().trim_matches(['<', '>']).to_owned();
            let rule = inbox
                .rcpt_replies
                .lock()
                .expect("replies")
                .get(&recipient)
                .cloned();
            match rule {
                Some(rule) => {
                    custom = rule;
                    custom.as_bytes()
                }
                None => {
                    to.push(recipient);
                    b"250 OK\r\n"
                }
            }
        } else if upper == "DATA" {
            write
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                data.push_str(
                    line.strip_prefix('.')
                        .filter(|_| line.starts_with(".."))
                        .unwrap_or(&line),
                );
            }
            let mail = ReceivedMail {
                from: from.clone(),
                to: std::mem::take(&mut to),
                data,
                at: Instant::now(),
            };
            inbox.mails.lock().expect("inbox").push(mail);
            inbox.arrived.notify_all();
            b"250 OK queued\r\n"
        } else if upper == "QUIT" {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            b"502 Command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}
