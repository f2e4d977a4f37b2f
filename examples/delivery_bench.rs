//! Email delivery benchmark, against a real SMTP server on loopback (the one the tests use):
//!
//! 1. Drain rate: N queued emails sent by the outbox worker (claim, send 16 at a time over a
//!    pooled SMTP transport, record), on SQLite and, when `HEARD_BENCH_POSTGRES_URL` names a
//!    server, PostgreSQL; and the bare mailer, pooled vs one connection per message.
//! 2. Latency: notes posted at a steady rate to a running Heard (HTTP, the worker woken by
//!    each note); time from the 201 to the SMTP server accepting each email queued about the
//!    note (the rep's, the manager's, the customer's receipt), matched by Message-ID. Every
//!    email is timed; a note refused, a note with no email, or an email that never arrives
//!    fails the run (exit status 1) instead of leaving it out of the figures.
//!
//! `cargo run --release --example delivery_bench -- [emails] [notes_per_second] [seconds]`

#[path = "../tests/api/smtp.rs"]
#[allow(dead_code)]
mod smtp;

use std::collections::{HashMap, HashSet};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::{Connection, RunQueryDsl};
use heard::app::{AppState, ServerOptions};
use heard::cli::ConfigArgs;
use heard::config::{Secret, Settings};
use heard::mail::Mailer;
use heard::mail::render::Rendered;
use heard::mail::worker::MailWorker;
use heard::store::outbox::{self, NewMail};
use lettre::Message;
use smtp::SmtpServer;

const SECRET: &str = "bench-secret-key-that-is-long-enough-0123456789";

fn settings(database_url: &str, smtp: &SmtpServer, dir: &std::path::Path, bind: &str) -> Settings {
    Settings::load(&ConfigArgs {
        database_url: Some(database_url.to_owned()),
        bind: Some(bind.to_owned()),
        data_dir: Some(dir.to_path_buf()),
        secret_key: Some(SECRET.into()),
        smtp_url: Some(smtp.url()),
        form_min_seconds: Some("0".into()),
        rate_limit_per_minute: Some("0".into()),
        ..ConfigArgs::default()
    })
    .expect("settings")
}

fn queue(pool: &heard::db::Pool, n: usize) {
    let mut conn = pool.get().expect("connection");
    let mails: Vec<NewMail> = (0..n)
        .map(|i| {
            NewMail::new(
                format!("bench:{i}"),
                "thanks_rep",
                None,
                "Maria Lopez",
                "maria@example.com",
                Rendered {
                    subject: format!("Bench email {i}"),
                    text: "A customer thanked you.\n".repeat(20),
                    html: "<p>A customer thanked you.</p>".repeat(20),
                },
            )
        })
        .collect();
    for chunk in mails.chunks(500) {
        heard::db::write_tx(&mut conn, |c| outbox::enqueue(c, chunk)).expect("queue");
    }
}

/// A fresh PostgreSQL database for the benchmark, from the admin URL.
fn fresh_postgres(admin: &str) -> String {
    let mut conn = diesel::PgConnection::establish(admin).expect("PostgreSQL");
    diesel::sql_query("DROP DATABASE IF EXISTS heard_bench_delivery WITH (FORCE)")
        .execute(&mut conn)
        .expect("drop");
    diesel::sql_query("CREATE DATABASE heard_bench_delivery")
        .execute(&mut conn)
        .expect("create");
    let (base, query) = admin.split_once('?').unwrap_or((admin, ""));
    let base = &base[..base.rfind('/').expect("a database in the URL")];
    if query.is_empty() {
        format!("{base}/heard_bench_delivery")
    } else {
        format!("{base}/heard_bench_delivery?{query}")
    }
}

async fn drain_rate(label: &str, database_url: &str, n: usize) -> f64 {
    let dir = tempfile::tempdir().expect("temp dir");
    let smtp = SmtpServer::start();
    let settings = settings(database_url, &smtp, dir.path(), "127.0.0.1:0");
    let pool = heard::db::open(&settings.database).expect("database");
    queue(&pool, n);
    let mailer = Mailer::from_settings(&settings).expect("mailer");
    let worker = MailWorker::new(pool, &settings, mailer, Arc::default()).expect("worker");
    let started = Instant::now();
    let report = worker.drain().await.expect("drain");
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(report.sent, n, "{report:?}");
    assert_eq!(smtp.count(), n);
    let rate = n as f64 / secs;
    println!("| outbox worker, {label} | {n} | {secs:.2} s | {rate:.0} |");
    rate
}

fn message(i: usize) -> Message {
    Message::builder()
        .from("Heard <heard@localhost>".parse().expect("from"))
        .to("maria@example.com".parse().expect("to"))
        .subject(format!("Bench {i}"))
        .body("A customer thanked you.\n".repeat(20))
        .expect("message")
}

async fn mailer_rate(pooled: bool, n: usize) -> f64 {
    let smtp = SmtpServer::start();
    let url = Secret::new(smtp.url());
    let shared = Mailer::smtp(&url).expect("mailer");
    let started = Instant::now();
    let mut sends = tokio::task::JoinSet::new();
    // Every one of the n messages is sent: the first n % 16 tasks send one more.
    let mut first = 0;
    for t in 0..16 {
        let count = n / 16 + usize::from(t < n % 16);
        let (shared, url) = (shared.clone(), url.clone());
        sends.spawn(async move {
            for i in first..first + count {
                let mailer = if pooled {
                    shared.clone()
                } else {
                    Mailer::smtp(&url).expect("mailer")
                };
                mailer.send(message(i), "bench").await.expect("sent");
            }
        });
        first += count;
    }
    while let Some(sent) = sends.join_next().await {
        sent.expect("every send succeeds");
    }
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(smtp.count(), n, "every message reached the server");
    let rate = n as f64 / secs;
    let label = if pooled {
        "pooled connections"
    } else {
        "a new connection per message"
    };
    println!("| bare mailer, {label} | {n} | {secs:.2} s | {rate:.0} |");
    rate
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Posts note `i` and waits for its 201: the note's id and when the 201 arrived.
async fn post_note(
    client: reqwest::Client,
    url: String,
    i: usize,
) -> Result<(String, Instant), String> {
    // Each note from its own address, so each brings its receipt (receipts to one address are
    // capped per hour) and every note costs the same three emails.
    let res = client
        .post(url)
        .json(&serde_json::json!({"kind": "thanks", "rep_handle": "maria",
            "customer": {"name": "Pat Doe", "email": format!("pat-{i}@example.com")},
            "body": format!("Bench note {i} zq."), "consent": {"publish": false, "display": "first"}}))
        .send()
        .await
        .map_err(|e| format!("note {i}: {e}"))?;
    let at = Instant::now();
    let status = res.status();
    let body = res.text().await.map_err(|e| format!("note {i}: {e}"))?;
    if status != 201 {
        return Err(format!("note {i} was answered {status}, not 201: {body}"));
    }
    let created: serde_json::Value =
        serde_json::from_str(&body).map_err(|e| format!("note {i}: {e}: {body}"))?;
    let id = created["id"]
        .as_str()
        .ok_or_else(|| format!("note {i}: no id in {body}"))?;
    Ok((id.to_owned(), at))
}

/// One email queued about a bench note.
struct Queued {
    note: String,
    template: String,
}

/// The outbox rows queued for these notes, by row id. Each becomes one email whose Message-ID
/// is `<row id@domain>`.
fn queued_for(pool: &heard::db::Pool, notes: &HashMap<String, Instant>) -> HashMap<String, Queued> {
    use diesel::prelude::*;
    use heard::db::schema::outbox;
    let ids: Vec<&String> = notes.keys().collect();
    let mut conn = pool.get().expect("connection");
    let mut rows = HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<(String, Option<String>, String)> = outbox::table
            .filter(outbox::note_id.eq_any(chunk.iter().copied()))
            .select((outbox::id, outbox::note_id, outbox::template))
            .load(&mut conn)
            .expect("read the outbox");
        for (id, note, template) in found {
            if let Some(note) = note {
                rows.insert(id, Queued { note, template });
            }
        }
    }
    rows
}

/// The outbox row id in a received email's Message-ID header.
fn row_id(mail: &smtp::ReceivedMail) -> Option<&str> {
    let headers = mail.data.split("\r\n\r\n").next()?;
    let value = headers.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("message-id").then_some(value)
    })?;
    value.trim().trim_start_matches('<').split('@').next()
}

/// Waits until every expected email (by outbox row id) has reached the SMTP server, polling up
/// to `limit`: when each arrived. Fails saying how many never arrived, and which.
async fn arrivals(
    smtp: &SmtpServer,
    expected: &HashMap<String, Queued>,
    limit: Duration,
) -> Result<HashMap<String, Instant>, String> {
    let deadline = Instant::now() + limit;
    loop {
        let mut arrived: HashMap<String, Instant> = HashMap::new();
        for mail in smtp.wait_for(smtp.count(), Duration::ZERO) {
            if let Some(id) = row_id(&mail).filter(|id| expected.contains_key(*id)) {
                arrived.entry(id.to_owned()).or_insert(mail.at);
            }
        }
        if arrived.len() == expected.len() {
            return Ok(arrived);
        }
        if Instant::now() >= deadline {
            let missing: Vec<String> = expected
                .iter()
                .filter(|(id, _)| !arrived.contains_key(*id))
                .take(5)
                .map(|(_, q)| format!("the {} of note {}", q.template, q.note))
                .collect();
            return Err(format!(
                "{} of {} emails never reached the SMTP server within {limit:?} ({}, ...)",
                expected.len() - arrived.len(),
                expected.len(),
                missing.join(", ")
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Notes at a steady rate to a running Heard, and the time from each note's 201 to the SMTP
/// server accepting each of its emails. Returns how many emails arrived before their 201.
async fn latency(
    label: &str,
    database_url: &str,
    per_second: u32,
    seconds: u32,
) -> Result<usize, String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let smtp = SmtpServer::start();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let bind = listener.local_addr().expect("addr").to_string();
    let settings = Arc::new(settings(database_url, &smtp, dir.path(), &bind));
    let pool = heard::db::open(&settings.database).expect("database");
    heard::commands::demo::run(&settings, None).expect("demo organisation");
    let state = AppState::new(pool.clone(), settings.clone(), Secret::new(SECRET));
    let worker = MailWorker::for_app(&state, Mailer::from_settings(&settings).expect("mailer"))
        .expect("worker");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(worker.run(stopped));
    tokio::spawn(heard::app::start(state, listener, ServerOptions { workers: 2 }).expect("server"));
    let client = reqwest::Client::new();
    let total = (per_second * seconds) as usize;
    let gap = Duration::from_secs_f64(1.0 / f64::from(per_second));
    let mut posts = tokio::task::JoinSet::new();
    let start = Instant::now();
    for i in 0..total {
        // A steady rate: each note at its own time, whatever the previous ones took.
        tokio::time::sleep_until((start + gap * i as u32).into()).await;
        let url = format!("http://{bind}/api/v1/feedback");
        posts.spawn(post_note(client.clone(), url, i));
    }
    let mut accepted: HashMap<String, Instant> = HashMap::new();
    while let Some(done) = posts.join_next().await {
        let (id, at) = done.map_err(|e| format!("a post failed: {e}"))??;
        accepted.insert(id, at);
    }
    // Every email about every note is timed: the rep's, the manager's and the receipt.
    let expected = queued_for(&pool, &accepted);
    let with_mail: HashSet<&str> = expected.values().map(|q| q.note.as_str()).collect();
    if let Some(note) = accepted.keys().find(|n| !with_mail.contains(n.as_str())) {
        return Err(format!("note {note} was accepted but queued no email"));
    }
    let arrived = arrivals(&smtp, &expected, Duration::from_secs(120)).await;
    let _ = stop.send(true);
    let _ = worker.await;
    let arrived = arrived?;
    let mut early = 0;
    let mut ms: Vec<f64> = expected
        .iter()
        .map(|(row, queued)| {
            let (sent, accepted) = (arrived[row], accepted[&queued.note]);
            // The worker may send before the 201 reaches the client: that email took no time
            // after the 201, and is counted as 0 ms.
            early += usize::from(sent < accepted);
            sent.saturating_duration_since(accepted).as_secs_f64() * 1000.0
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    println!(
        "| {label} | {per_second}/s for {seconds} s | {total} | {} | {:.1} ms | {:.1} ms | {:.1} ms |",
        ms.len(),
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        ms.last().copied().unwrap_or_default()
    );
    Ok(early)
}

#[tokio::main]
async fn main() {
    heard::init_tls();
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5000);
    let rate: u32 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(50);
    let seconds: u32 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(10);
    let postgres = std::env::var("HEARD_BENCH_POSTGRES_URL").ok();
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = |name: &str| format!("sqlite://{}", dir.path().join(name).display());

    println!("\nDrain rate to a local SMTP server\n");
    println!("| what | emails | time | emails/s |\n|---|---|---|---|");
    drain_rate("SQLite", &sqlite("drain.db"), n).await;
    if let Some(admin) = &postgres {
        drain_rate("PostgreSQL", &fresh_postgres(admin), n).await;
    }
    let pooled = mailer_rate(true, n).await;
    let single = mailer_rate(false, n / 5).await;
    println!(
        "\nPooled / one connection per message: {:.1}x",
        pooled / single
    );

    println!(
        "\nFrom an accepted note (201) to SMTP acceptance of each of its emails, steady load\n"
    );
    println!(
        "| backend | load | notes | emails | median | p99 | max |\n|---|---|---|---|---|---|---|"
    );
    let mut runs = vec![("SQLite", sqlite("latency.db"))];
    if let Some(admin) = &postgres {
        runs.push(("PostgreSQL", fresh_postgres(admin)));
    }
    let mut early = Vec::new();
    for (label, url) in runs {
        match latency(label, &url, rate, seconds).await {
            Ok(n) => early.push(format!("{label} {n}")),
            Err(e) => {
                eprintln!("delivery_bench: {label}: {e}");
                std::process::exit(1);
            }
        }
    }
    println!(
        "\nEvery email of every note is timed. Emails the SMTP server accepted before the 201 \
         reached the client count as 0 ms: {}.",
        early.join(", ")
    );
}
