//! PostgreSQL crashing under load (an immediate stop, with fsync on) and coming back, with
//! Heard left running: while the database is down requests get a quick 503 with `Retry-After` (never a 500, never a hang), and once it is
//! back Heard serves again on its own; no note that got a 201 is lost.
//!
//! The test runs its own PostgreSQL cluster (initdb in a temporary directory, on a free
//! port) so that crashing it disturbs no other test. It needs PostgreSQL's server binaries;
//! without them it is skipped with a note (and fails under `CI=true`).

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;

use crate::processes::{Server, client, post_note_status};
use crate::smtp::SmtpServer;

/// Every (status, accepted note id) the load got.
type Answers = Arc<Mutex<Vec<(u16, Option<String>)>>>;

struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

fn server_binaries() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists() && p.join("pg_ctl").exists())
        .collect();
    found.sort();
    found.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl Cluster {
    /// PostgreSQL will not run as root: there, it runs as the `postgres` user.
    fn command(&self, tool: &str) -> Command {
        let path = self.bin.join(tool);
        if is_root() {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(path);
            cmd
        } else {
            Command::new(path)
        }
    }

    fn create() -> Option<Self> {
        let bin = server_binaries()?;
        let dir = tempfile::Builder::new()
            .prefix("heard-pg-")
            .tempdir()
            .ok()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let cluster = Self { dir, bin, port };
        if is_root() {
            let chowned = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(cluster.dir.path())
                .status()
                .ok()?;
            if !chowned.success() {
                return None;
            }
        }
        let out = cluster
            .command("initdb")
            .args(["-U", "postgres", "--auth=trust", "-D"])
            .arg(cluster.data())
            .output()
            .ok()?;
        if !out.status.success() {
            let _ = writeln!(
                std::io::stderr(),
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            return None;
        }
        cluster.start();
        let mut admin = diesel::PgConnection::establish(&cluster.url("postgres")).ok()?;
        diesel::sql_query("CREATE DATABASE heard")
            .execute(&mut admin)
            .ok()?;
        Some(cluster)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn url(&self, db: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on",
            self.port,
            self.dir.path().display()
        );
        let ok = self
            .command("pg_ctl")
            .args(["-w", "-D"])
            .arg(self.data())
            .args(["-o", &options, "-l"])
            .arg(self.dir.path().join("log"))
            .arg("start")
            .status()
            .unwrap();
        assert!(ok.success(), "pg_ctl start");
    }

    /// A crash, as far as the database can tell: `immediate` stops without a checkpoint, so
    /// the next start replays the write-ahead log (what a power cut leaves, fsync aside).
    fn crash(&self) {
        let ok = self
            .command("pg_ctl")
            .args(["-w", "-m", "immediate", "-D"])
            .arg(self.data())
            .arg("stop")
            .status()
            .unwrap();
        assert!(ok.success(), "pg_ctl stop -m immediate");
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args(["-m", "immediate", "-D"])
            .arg(self.data())
            .arg("stop")
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_crash_under_load_loses_no_accepted_note() {
    let Some(cluster) = Cluster::create() else {
        let why = "no PostgreSQL server binaries (or initdb failed)";
        crate::helpers::skip("the PostgreSQL restart test", why);
        return;
    };
    let smtp = SmtpServer::start();
    let data = tempfile::tempdir().unwrap();
    let url = cluster.url("heard");
    let demo = Command::new(env!("CARGO_BIN_EXE_heard"))
        .arg("demo")
        .env("HEARD_DATABASE_URL", &url)
        .env("HEARD_DATA_DIR", data.path())
        .env_remove("HEARD_SMTP_URL")
        .output()
        .unwrap();
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let server = Server::start_on(&url, &smtp.url(), &data.path().join("serve"), "127.0.0.1:0");
    let address = server.address.clone();

    // Load: 4 clients posting notes, every answer recorded.
    let stop = Arc::new(AtomicBool::new(false));
    let answers: Answers = Arc::default();
    let mut load = tokio::task::JoinSet::new();
    for c in 0..4 {
        let (stop, answers, address) = (stop.clone(), answers.clone(), address.clone());
        load.spawn(async move {
            let http = client();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let answer =
                    post_note_status(&http, &address, &format!("Client {c}, note {n}.")).await;
                answers.lock().unwrap().push(answer);
            }
        });
    }
    let http = client();
    let accepted = || {
        answers
            .lock()
            .unwrap()
            .iter()
            .filter(|a| a.0 == 201)
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while accepted() < 20 {
        assert!(Instant::now() < deadline, "the load never got going");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The database goes away: a clear, quick 503 with Retry-After.
    tokio::task::block_in_place(|| cluster.crash());
    let health = http.get(format!("{address}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 503);
    let down = http
        .post(format!("{address}/api/v1/feedback"))
        .json(&serde_json::json!({"kind": "thanks", "rep_handle": "maria", "customer": {"name": "Pat"},
            "body": "While the database is down.", "consent": {"publish": false, "display": "first"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(down.status(), 503);
    assert!(down.headers().contains_key("retry-after"));
    assert_eq!(down.headers()["content-type"], "application/problem+json");

    // It comes back; Heard recovers by itself.
    tokio::task::block_in_place(|| cluster.start());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, _) = post_note_status(&http, &address, "After the restart.").await;
        if status == 201 {
            break;
        }
        assert_eq!(status, 503, "while recovering, only 503s");
        assert!(Instant::now() < deadline, "Heard did not recover");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let before = accepted();
    let deadline = Instant::now() + Duration::from_secs(20);
    while accepted() < before + 20 {
        assert!(Instant::now() < deadline, "the load did not recover");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::Relaxed);
    while load.join_next().await.is_some() {}
    server.stop();

    let answers = answers.lock().unwrap().clone();
    let failed: Vec<u16> = answers.iter().map(|a| a.0).filter(|s| *s != 201).collect();
    assert!(
        failed.iter().all(|s| *s == 503),
        "during the outage, requests fail with 503 only: {failed:?}"
    );
    let mut conn = diesel::PgConnection::establish(&url).unwrap();
    let stored: Vec<String> = heard::db::schema::notes::table
        .select(heard::db::schema::notes::id)
        .load(&mut conn)
        .unwrap();
    for id in answers.iter().filter_map(|a| a.1.as_ref()) {
        assert!(stored.contains(id), "accepted note {id} was lost");
    }
}
