//! `GET /metrics`: Prometheus text exposition of email delivery — the outbox by status, how
//! far behind it is, and what the worker sent, retried and gave up on since start-up.
//! Aggregate counts only: no names, addresses or content.

use std::fmt::Write as _;

use actix_web::{HttpResponse, web};

use crate::app::AppState;
use crate::db;
use crate::domain::OutboxStatus;
use crate::error::AppError;
use crate::mail::stats::MailStats;
use crate::store::outbox;

fn metric(out: &mut String, name: &str, kind: &str, help: &str, samples: &[(&str, f64)]) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    for (labels, value) in samples {
        let _ = writeln!(out, "{name}{labels} {value}");
    }
}

pub async fn show(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (counts, oldest) = db::run(&state.pool, |c| {
        Ok((outbox::counts(c)?, outbox::oldest_pending(c)?))
    })
    .await?;
    let by_status: Vec<(String, f64)> = OutboxStatus::ALL
        .iter()
        .map(|s| {
            let n = counts.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
            (format!("{{status=\"{s}\"}}"), n as f64)
        })
        .collect();
    let lag = oldest.map_or(0.0, |t| {
        (crate::store::now() - t).num_milliseconds().max(0) as f64 / 1000.0
    });
    let mut out = String::with_capacity(1024);
    metric(
        &mut out,
        "heard_outbox_emails",
        "gauge",
        "Emails in the outbox, by status.",
        &by_status
            .iter()
            .map(|(labels, n)| (labels.as_str(), *n))
            .collect::<Vec<_>>(),
    );
    metric(
        &mut out,
        "heard_outbox_oldest_pending_seconds",
        "gauge",
        "Age of the oldest email not yet sent (0 when none is waiting).",
        &[("", lag)],
    );
    worker_metrics(&mut out, &state.mail_stats);
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(out))
}

/// What this instance's mail worker did since start-up.
fn worker_metrics(out: &mut String, stats: &MailStats) {
    metric(
        out,
        "heard_mail_send_results_total",
        "counter",
        "Send attempts by this instance since start-up, by result.",
        &[
            ("{result=\"sent\"}", MailStats::get(&stats.sent) as f64),
            ("{result=\"retry\"}", MailStats::get(&stats.retried) as f64),
            ("{result=\"dead\"}", MailStats::get(&stats.dead) as f64),
        ],
    );
    metric(
        out,
        "heard_scheduled_emails_total",
        "counter",
        "Scheduled emails queued by this instance since start-up, by kind.",
        &[
            (
                "{kind=\"escalation\"}",
                MailStats::get(&stats.escalated) as f64,
            ),
            ("{kind=\"digest\"}", MailStats::get(&stats.digests) as f64),
        ],
    );
}
