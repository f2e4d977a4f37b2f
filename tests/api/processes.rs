//! The real `heard serve` binary, as separate processes: two instances on one database send
//! each email once; an instance killed with SIGKILL at random moments under load loses no
//! accepted note and, once restarted, delivers every one of their emails; secret tokens stay
//! out of its log, and the files it writes are readable by its owner only.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
#[cfg(unix)]
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use heard::db::schema::{notes, outbox};
use rand::Rng;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::builders::seed_org;
#[cfg(unix)]
use crate::helpers::mail::{eml_files, mode};
use crate::helpers::{Backend, TEST_SECRET, TestApp, spawn_app};

/// `heard serve`, with nothing from the caller's environment but what the test gives it,
/// its standard output read by `Server::listening`.
fn heard_serve() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_heard"));
    for (key, _) in std::env::vars() {
        if key.starts_with("HEARD_") {
            cmd.env_remove(key);
        }
    }
    cmd.arg("serve").stdin(Stdio::null()).stdout(Stdio::piped());
    cmd
}

/// One `heard serve` process on the test's database and SMTP server.
pub struct Server {
    child: Child,
    pub address: String,
}

impl Server {
    /// Starts the binary on the test's database and waits for the line that says where it
    /// listens.
    fn start(app: &TestApp, bind: &str, name: &str) -> Self {
        Self::start_on(
            &app.db.url,
            &app.smtp.url(),
            &app.db.dir.path().join(name),
            bind,
        )
    }

    pub fn start_on(
        database_url: &str,
        smtp_url: &str,
        data: &std::path::Path,
        bind: &str,
    ) -> Self {
        std::fs::create_dir_all(data).unwrap();
        let child = heard_serve()
            .env("HEARD_DATABASE_URL", database_url)
            .env("HEARD_BIND", bind)
            .env("HEARD_DATA_DIR", data)
            .env("HEARD_SECRET_KEY", TEST_SECRET)
            .env("HEARD_SMTP_URL", smtp_url)
            .env("HEARD_RATE_LIMIT_PER_MINUTE", "0")
            .env("HEARD_FORM_MIN_SECONDS", "0")
            .env("HEARD_MAIL_LEASE_SECONDS", "2")
            .env("RUST_LOG", "warn")
            .current_dir(data)
            .stderr(if std::env::var_os("HEARD_TEST_SERVER_LOGS").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .expect("start heard");
        Self::listening(child)
    }

    /// Waits for the line that says where the started process listens.
    fn listening(mut child: Child) -> Self {
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let address = loop {
            let line = lines
                .next()
                .expect("heard exited before listening")
                .unwrap();
            if let Some(rest) = line.strip_prefix("Heard is listening on ") {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
        };
        // Keep draining stdout so the process never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Self { child, address }
    }

    fn port(&self) -> u16 {
        self.address.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// SIGKILL: no chance to finish anything.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, then wait for a clean exit (in-flight emails finish or are released).
    pub fn stop(mut self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "heard exited with {status:?}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(Duration::from_secs(1))
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Posts one thank-you; the note's id if (and only if) it was accepted.
async fn post_note(client: &reqwest::Client, address: &str, body: &str) -> Option<String> {
    post_note_status(client, address, body).await.1
}

/// Posts one thank-you: the status (0 when no response came) and the id when accepted.
pub async fn post_note_status(
    client: &reqwest::Client,
    address: &str,
    body: &str,
) -> (u16, Option<String>) {
    let Ok(res) = client
        .post(format!("{address}/api/v1/feedback"))
        .json(&json!({"kind": "thanks", "rep_handle": "maria",
                      // One address per note: receipts to one address are capped per hour.
                      "customer": {"name": "Pat Doe", "email": format!("pat-{}@example.com", uuid::Uuid::now_v7().simple())},
                      "body": body, "consent": {"publish": false, "display": "first"}}))
        .send()
        .await
    else {
        return (0, None);
    };
    let status = res.status().as_u16();
    if status != 201 {
        return (status, None);
    }
    let created: serde_json::Value = res.json().await.unwrap_or_default();
    (status, created["id"].as_str().map(str::to_owned))
}

/// Waits (polling the database, up to `limit`) until no email is waiting.
async fn until_all_sent(app: &TestApp, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let waiting: i64 = outbox::table
            .filter(outbox::status.ne("sent"))
            .count()
            .get_result(&mut app.conn())
            .unwrap();
        if waiting == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "{waiting} emails still not sent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn message_ids(app: &TestApp) -> Vec<String> {
    app.smtp
        .wait_for(0, Duration::from_secs(1))
        .iter()
        .filter_map(|m| {
            m.data
                .lines()
                .find_map(|l| l.strip_prefix("Message-ID: "))
                .map(str::to_owned)
        })
        .collect()
}

async fn two_instances_send_each_email_once(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let (a, b) = (
        Server::start(&app, "127.0.0.1:0", "a"),
        Server::start(&app, "127.0.0.1:0", "b"),
    );
    let http = client();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..40 {
        let address = if i % 2 == 0 {
            a.address.clone()
        } else {
            b.address.clone()
        };
        let http = http.clone();
        tasks.spawn(
            async move { post_note(&http, &address, &format!("Thank you, note {i}.")).await },
        );
    }
    while let Some(id) = tasks.join_next().await {
        assert!(id.unwrap().is_some(), "every note is accepted");
    }
    until_all_sent(&app, Duration::from_secs(30)).await;
    a.stop();
    b.stop();
    // Only the notes' emails: on a Monday the schedule may add a weekly digest.
    let rows: Vec<heard::db::ids::OutboxId> = outbox::table
        .filter(outbox::note_id.is_not_null())
        .select(outbox::id)
        .load(&mut app.conn())
        .unwrap();
    let ids: Vec<String> = message_ids(&app)
        .into_iter()
        .filter(|m| rows.iter().any(|id| m.contains(id.as_str())))
        .collect();
    assert_eq!(ids.len(), 120, "3 emails per note, none twice");
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 120);
}

/// Sends notes from several clients until told to stop; returns the ids that were accepted.
fn load(
    address: Arc<Mutex<String>>,
    stop: Arc<AtomicBool>,
    clients: usize,
) -> tokio::task::JoinSet<Vec<String>> {
    let mut set = tokio::task::JoinSet::new();
    for c in 0..clients {
        let (address, stop) = (address.clone(), stop.clone());
        set.spawn(async move {
            let http = client();
            let mut accepted = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let to = address.lock().unwrap().clone();
                if let Some(id) = post_note(&http, &to, &format!("Client {c}, note {n}.")).await {
                    accepted.push(id);
                }
            }
            accepted
        });
    }
    set
}

async fn notes_survive_sigkill_under_load(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let first = Server::start(&app, "127.0.0.1:0", "crash");
    let bind = format!("127.0.0.1:{}", first.port());
    let address = Arc::new(Mutex::new(first.address.clone()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = load(address.clone(), stop.clone(), 8);
    let mut server = first;
    for _ in 0..4 {
        // A random moment: somewhere in the middle of accepting and sending.
        let ms = rand::rng().random_range(150..600);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        server.kill();
        server = Server::start(&app, &bind, "crash");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let mut accepted = Vec::new();
    while let Some(ids) = clients.join_next().await {
        accepted.extend(ids.unwrap());
    }
    assert!(
        accepted.len() > 20,
        "the load ran: {} notes accepted",
        accepted.len()
    );

    // Every note that got a 201 is stored.
    let stored: HashSet<String> = notes::table
        .select(notes::id)
        .load::<heard::db::ids::NoteId>(&mut app.conn())
        .unwrap()
        .into_iter()
        .map(|id| id.to_string())
        .collect();
    let lost: Vec<_> = accepted.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(lost.is_empty(), "accepted but lost: {lost:?}");

    // And every one of their emails is delivered (at least once) by the restarted server.
    until_all_sent(&app, Duration::from_secs(60)).await;
    server.stop();
    let delivered: HashSet<String> = message_ids(&app).into_iter().collect();
    // The notes' emails (the schedule may add a digest, which is about no one note).
    let rows: Vec<(heard::db::ids::OutboxId, Option<heard::db::ids::NoteId>)> = outbox::table
        .filter(outbox::note_id.is_not_null())
        .select((outbox::id, outbox::note_id))
        .load(&mut app.conn())
        .unwrap();
    let mut per_note: HashMap<String, usize> = HashMap::new();
    for (id, note) in &rows {
        assert!(
            delivered.iter().any(|m| m.contains(id.as_str())),
            "email {id} was never delivered"
        );
        // A digest (the schedule runs too) belongs to no note.
        if let Some(note) = note {
            *per_note.entry(note.to_string()).or_default() += 1;
        }
    }
    for id in &accepted {
        assert_eq!(per_note.get(id), Some(&3), "note {id} has its 3 emails");
    }
}

backend_tests!(
    two_instances_send_each_email_once,
    notes_survive_sigkill_under_load
);

/// The real binary, with its log in a file: receipt, invitation, reset and setup tokens
/// never reach the log; the data directory it creates is 0700, the database, its WAL and
/// the `.eml` files 0600.
#[cfg(unix)]
#[tokio::test]
async fn tokens_stay_out_of_the_log_and_files_stay_private() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("fresh").join("data");
    let log_path = root.path().join("heard.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let child = heard_serve()
        .env(
            "HEARD_DATABASE_URL",
            format!("sqlite://{}", data.join("heard.db").display()),
        )
        .env("HEARD_BIND", "127.0.0.1:0")
        .env("HEARD_DATA_DIR", &data)
        .env("HEARD_SECRET_KEY", TEST_SECRET)
        .env("HEARD_RATE_LIMIT_PER_MINUTE", "0")
        .env("HEARD_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .current_dir(root.path())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("start heard");
    let server = Server::listening(child);
    let address = server.address.clone();
    let client = client();
    let res = client
        .post(format!("{address}/api/v1/feedback"))
        .json(
            &json!({"kind": "thanks", "customer": {"name": "Pat Doe", "email": "pat@example.com"},
                      "body": "Thanks to whoever answered.", "consent": {"publish": false}}),
        )
        .send()
        .await
        .unwrap();
    let created: Value = res.json().await.unwrap();
    let url = created["receipt_url"].as_str().expect("a receipt URL");
    let receipt = &url[url.find("/receipt/").unwrap()..];
    let token = receipt.trim_start_matches("/receipt/").to_owned();
    assert!(token.len() >= 32);
    let other = "6f1e0c9b8a7d6c5b4a3f2e1d0c9b8a7f";
    for path in [
        receipt.to_owned(),
        format!("{receipt}/export.json"),
        format!("/invite/{other}"),
        format!("/password/reset/{other}"),
        format!("/setup?token={other}"),
    ] {
        let res = client.get(format!("{address}{path}")).send().await.unwrap();
        assert!(res.status().as_u16() < 500, "{path}: {}", res.status());
    }

    // The worker writes the receipt email as a file; wait for it (a bounded poll on a
    // separate process, not a guess at how long it takes).
    let outbox = data.join("outbox");
    let deadline = Instant::now() + Duration::from_secs(30);
    while eml_files(&outbox).is_empty() {
        assert!(Instant::now() < deadline, "no .eml file was written");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(data.parent().unwrap()), 0o700);
    assert_eq!(mode(&outbox), 0o700);
    for suffix in ["", "-wal", "-shm"] {
        let path = PathBuf::from(format!("{}{suffix}", data.join("heard.db").display()));
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
    for file in eml_files(&outbox) {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }

    server.stop();
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("/receipt/[redacted]/export.json"), "{log}");
    assert!(log.contains("/invite/[redacted]"), "{log}");
    assert!(log.contains("/password/reset/[redacted]"), "{log}");
    assert!(log.contains("/setup?token=[redacted]"), "{log}");
    assert!(!log.contains(&token), "the receipt token was logged");
    assert!(!log.contains(other), "a token was logged");
}
