//! Email delivery benchmark, against a real SMTP server on loopback (the one the tests use):
//!
//! 1. Drain rate: N queued emails sent by the outbox worker (claim, send 16 at a time over a
//!    pooled SMTP transport, record), on SQLite and, when `HEARD_BENCH_POSTGRES_URL` names a
//!    server, PostgreSQL; and the bare mailer, pooled vs one connection per message.
//! 2. Latency: notes posted at a steady rate to a running Heard (HTTP, the worker woken by
//!    each note); time from the 201 to the SMTP server accepting the rep's and manager's email.
//!
//! `cargo run --release --example delivery_bench -- [emails] [notes_per_second] [seconds]`

#[path = "../tests/api/smtp.rs"]
#[allow(dead_code)]
mod smtp;

use std::collections::HashMap;
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
    let per_task = n / 16;
    for t in 0..16 {
        let (shared, url) = (shared.clone(), url.clone());
        sends.spawn(async move {
            for i in 0..per_task {
                let mailer = if pooled {
                    shared.clone()
                } else {
                    Mailer::smtp(&url).expect("mailer")
                };
                mailer
                    .send(message(t * per_task + i), "bench")
                    .await
                    .expect("sent");
            }
        });
    }
    while sends.join_next().await.is_some() {}
    let secs = started.elapsed().as_secs_f64();
    let sent = per_task * 16;
    assert_eq!(smtp.count(), sent);
    let rate = sent as f64 / secs;
    let label = if pooled {
        "pooled connections"
    } else {
        "a new connection per message"
    };
    println!("| bare mailer, {label} | {sent} | {secs:.2} s | {rate:.0} |");
    rate
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn latency(label: &str, database_url: &str, per_second: u32, seconds: u32) {
    let dir = tempfile::tempdir().expect("temp dir");
    let smtp = SmtpServer::start();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let bind = listener.local_addr().expect("addr").to_string();
    let settings = Arc::new(settings(database_url, &smtp, dir.path(), &bind));
    let pool = heard::db::open(&settings.database).expect("database");
    heard::commands::demo::run(&settings, None).expect("demo organisation");
    let state = AppState::new(pool, settings.clone(), Secret::new(SECRET));
    let worker = MailWorker::for_app(&state, Mailer::from_settings(&settings).expect("mailer"))
        .expect("worker");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(worker.run(stopped));
    tokio::spawn(heard::app::start(state, listener, ServerOptions { workers: 2 }).expect("server"));
    let client = reqwest::Client::new();
    let total = (per_second * seconds) as usize;
    let gap = Duration::from_secs_f64(1.0 / f64::from(per_second));
    let mut accepted: HashMap<usize, Instant> = HashMap::new();
    let mut posts = tokio::task::JoinSet::new();
    let start = Instant::now();
    for i in 0..total {
        // A steady rate: each note at its own time, whatever the previous ones took.
        tokio::time::sleep_until((start + gap * i as u32).into()).await;
        let (client, url) = (client.clone(), format!("http://{bind}/api/v1/feedback"));
        posts.spawn(async move {
            let res = client
                .post(url)
                .json(&serde_json::json!({"kind": "thanks", "rep_handle": "maria",
                    "customer": {"name": "Pat Doe", "email": "pat@example.com"},
                    "body": format!("Bench note {i} zq."), "consent": {"publish": false, "display": "first"}}))
                .send()
                .await
                .expect("post");
            assert_eq!(res.status(), 201);
            (i, Instant::now())
        });
    }
    while let Some(done) = posts.join_next().await {
        let (i, at) = done.expect("post task");
        accepted.insert(i, at);
    }
    let mails = smtp
        .wait_for_async(total * 3, Duration::from_secs(120))
        .await;
    let _ = stop.send(true);
    let _ = worker.await;
    let mut ms: Vec<f64> = Vec::new();
    for mail in &mails {
        let Some(rest) = mail.data.split("Bench note ").nth(1) else {
            continue; // the receipt does not quote the note
        };
        let i: usize = rest
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("note number");
        ms.push(
            mail.at
                .saturating_duration_since(accepted[&i])
                .as_secs_f64()
                * 1000.0,
        );
    }
    ms.sort_by(f64::total_cmp);
    println!(
        "| {label} | {per_second}/s for {seconds} s | {} | {:.1} ms | {:.1} ms |",
        ms.len(),
        percentile(&ms, 0.5),
        percentile(&ms, 0.99)
    );
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

    println!("\nFrom an accepted note (201) to SMTP acceptance, steady load\n");
    println!("| backend | load | emails | median | p99 |\n|---|---|---|---|---|");
    latency("SQLite", &sqlite("latency.db"), rate, seconds).await;
    if let Some(admin) = &postgres {
        latency("PostgreSQL", &fresh_postgres(admin), rate, seconds).await;
    }
}
