//! The outbox worker: claims due emails under a lease, sends several at a time, and records
//! each result — sent, retried later with exponential backoff and jitter, or dead.
//! It wakes at once when a note is accepted, and on a timer for retries.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::NaiveDateTime;
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use rand::Rng;
use tokio::sync::{Notify, watch};

use super::schedule::Schedule;
use super::stats::MailStats;
use super::{MailError, Mailer};
use crate::config::{DEFAULT_MAIL_FROM as DEFAULT_FROM, Settings};
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::store::outbox::{self, Claimed};

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Rows claimed (and sent concurrently) at a time.
    pub batch: i64,
    /// How long a claim holds; a worker that dies mid-send frees its rows after this.
    pub lease: chrono::Duration,
    /// Attempts before a row is dead.
    pub max_attempts: i32,
    /// The first retry waits this long; each later one twice as long, up to `max_backoff`.
    pub base_backoff: chrono::Duration,
    pub max_backoff: chrono::Duration,
    /// How often the worker looks for retries that came due without being woken.
    pub tick: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            batch: 16,
            lease: chrono::Duration::seconds(120),
            max_attempts: 10,
            base_backoff: chrono::Duration::seconds(30),
            max_backoff: chrono::Duration::hours(2),
            tick: Duration::from_secs(15),
        }
    }
}

impl WorkerConfig {
    /// When to try again after `attempts` failures: doubling, capped, ±20% jitter so that
    /// many rows failing together do not retry together.
    pub fn retry_delay(&self, attempts: i32) -> chrono::Duration {
        let exp = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(20);
        let base = self
            .base_backoff
            .num_milliseconds()
            .saturating_mul(1 << exp);
        let capped = base.min(self.max_backoff.num_milliseconds()) as f64;
        let jitter = rand::rng().random_range(0.8..1.2);
        chrono::Duration::milliseconds((capped * jitter) as i64)
    }
}

/// What one drain did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DrainReport {
    pub sent: usize,
    pub retried: usize,
    pub dead: usize,
}

#[derive(Clone)]
pub struct MailWorker {
    pool: Pool,
    mailer: Mailer,
    from: Mailbox,
    /// Whether the sender's name is the organisation's (`HEARD_MAIL_FROM` unset, or an
    /// address without a name).
    from_brand: bool,
    /// The domain part of Message-IDs (the public host).
    domain: String,
    pub config: WorkerConfig,
    wake: Arc<Notify>,
    pub stats: Arc<MailStats>,
    schedule: Option<Arc<Schedule>>,
    /// Where links in the emails the worker writes itself point (password resets).
    base_url: String,
    /// Set by this instance's web side when a password reset was asked for.
    resets_waiting: Arc<AtomicBool>,
}

enum Outcome {
    Sent,
    Failed { error: String, permanent: bool },
}

impl MailWorker {
    pub fn new(
        pool: Pool,
        settings: &Settings,
        mailer: Mailer,
        wake: Arc<Notify>,
    ) -> Result<Self, MailError> {
        let from: Mailbox = settings
            .mail_from
            .parse()
            .map_err(|e| MailError::Config(format!("HEARD_MAIL_FROM: {e}")))?;
        let host = settings
            .base_url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split(['/', ':']).next())
            .filter(|h| !h.is_empty())
            .unwrap_or("heard.localhost");
        let from_brand = settings.mail_from == DEFAULT_FROM || from.name.is_none();
        Ok(Self {
            pool,
            mailer,
            from,
            from_brand,
            domain: host.to_owned(),
            config: WorkerConfig::default(),
            wake,
            stats: Arc::default(),
            schedule: None,
            base_url: settings.base_url.clone(),
            resets_waiting: Arc::default(),
        })
    }

    /// The worker `heard serve` runs: it shares the app's wake-up and counters, and runs the
    /// schedule (escalations, digests, retention).
    pub fn for_app(state: &crate::app::AppState, mailer: Mailer) -> Result<Self, MailError> {
        let mut worker = Self::new(
            state.pool.clone(),
            &state.settings,
            mailer,
            state.mail_wakeup.clone(),
        )?;
        worker.stats = state.mail_stats.clone();
        worker.resets_waiting = state.resets_waiting.clone();
        worker.config.lease =
            chrono::Duration::from_std(state.settings.mail_lease).unwrap_or(worker.config.lease);
        worker.schedule = Some(Arc::new(Schedule::new(
            state.pool.clone(),
            state.secret_key.clone(),
            &state.settings.base_url,
            state.settings.outbox_dir(),
        )));
        Ok(worker)
    }

    /// Runs the schedule as at `now` (escalations, digests, retention), then nothing else.
    pub async fn run_schedule_at(
        &self,
        now: NaiveDateTime,
    ) -> Result<super::schedule::ScheduleReport, AppError> {
        let Some(schedule) = &self.schedule else {
            return Ok(Default::default());
        };
        // Requests another instance took and did not serve (it stopped, say).
        self.serve_resets().await?;
        let report = schedule.run_at(now).await?;
        MailStats::add(&self.stats.escalated, report.escalated);
        MailStats::add(
            &self.stats.digests,
            report.moderation_digests + report.weekly_digests,
        );
        Ok(report)
    }

    async fn serve_resets(&self) -> Result<usize, AppError> {
        let base = self.base_url.clone();
        db::run(&self.pool, move |c| {
            Ok(crate::store::accounts::serve_reset_requests(c, &base)?)
        })
        .await
    }

    pub fn with_config(mut self, config: WorkerConfig) -> Self {
        self.config = config;
        self
    }

    fn message(&self, row: &Claimed, from: &Mailbox) -> Result<Message, String> {
        let address = row
            .recipient
            .parse()
            .map_err(|e| format!("bad recipient address: {e}"))?;
        // A display name is one line of printable text, whatever got into the row.
        let name = row
            .recipient_name
            .as_deref()
            .map(|n| {
                n.chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .collect::<String>()
            })
            .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|n| !n.is_empty());
        let to = Mailbox::new(name, address);
        let builder = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(row.subject.replace(|c: char| c.is_control(), " "))
            .message_id(Some(format!("<{}@{}>", row.id, self.domain)));
        match &row.body_html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                row.body_text.clone(),
                html.clone(),
            )),
            None => builder.body(row.body_text.clone()),
        }
        .map_err(|e| format!("cannot build the message: {e}"))
    }

    async fn deliver(&self, row: &Claimed, from: &Mailbox) -> Outcome {
        let message = match self.message(row, from) {
            Ok(m) => m,
            Err(error) => {
                return Outcome::Failed {
                    error,
                    permanent: true,
                };
            }
        };
        match self.mailer.send(message, row.id.as_str()).await {
            Ok(()) => Outcome::Sent,
            Err(e) => Outcome::Failed {
                permanent: matches!(e, MailError::Rejected(_)),
                error: e.to_string(),
            },
        }
    }

    /// An email erased (or expired) while it was being sent lost its claim; the `.eml` copy
    /// written meanwhile goes too, as erasure removed the others.
    async fn forget_if_scrubbed(&self, id: &crate::db::ids::OutboxId) -> Result<(), AppError> {
        let Mailer::File(dir) = &self.mailer else {
            return Ok(());
        };
        let lookup = id.clone();
        if db::run(&self.pool, move |c| Ok(outbox::is_scrubbed(c, &lookup)?)).await? {
            let (dir, ids) = (dir.clone(), vec![id.clone()]);
            tokio::task::spawn_blocking(move || super::remove_eml_files(&dir, &ids))
                .await
                .map_err(AppError::internal)?;
        }
        Ok(())
    }

    /// Sends everything due now; returns when nothing due is left.
    pub async fn drain(&self) -> Result<DrainReport, AppError> {
        self.drain_at(crate::store::now()).await
    }

    /// Sends everything due at `now` (tests pass a later `now` instead of waiting).
    pub async fn drain_at(&self, now: NaiveDateTime) -> Result<DrainReport, AppError> {
        let mut report = DrainReport::default();
        // "Forgot my password" requests wait for the worker, so the web answer never
        // depends on whether the address has an account.
        if self.resets_waiting.swap(false, Ordering::AcqRel)
            && let Err(e) = self.serve_resets().await
        {
            self.resets_waiting.store(true, Ordering::Release);
            return Err(e);
        }
        loop {
            let (lease, batch) = (self.config.lease, self.config.batch);
            let brand = self.from_brand;
            let (rows, org) = db::run(&self.pool, move |c| {
                let rows = outbox::claim(c, now, lease, batch)?;
                let org = match brand && !rows.is_empty() {
                    true => Some(crate::store::brand::BrandSettings::load(c)?.name),
                    false => None,
                };
                Ok((rows, org))
            })
            .await?;
            if rows.is_empty() {
                return Ok(report);
            }
            // The organisation's name, as it is when the batch is sent.
            let from = Arc::new(match org.filter(|name| !name.is_empty()) {
                Some(name) => Mailbox::new(Some(name), self.from.email.clone()),
                None => self.from.clone(),
            });
            let mut sends = tokio::task::JoinSet::new();
            for row in rows {
                let worker = self.clone();
                let from = Arc::clone(&from);
                sends.spawn(async move {
                    let outcome = worker.deliver(&row, &from).await;
                    (row, outcome)
                });
            }
            while let Some(joined) = sends.join_next().await {
                let (row, outcome) = joined.map_err(AppError::internal)?;
                let token = row.claim_token.clone().unwrap_or_default();
                let (retry_at, error) = match outcome {
                    Outcome::Sent => {
                        report.sent += 1;
                        MailStats::add(&self.stats.sent, 1);
                        let id = row.id.clone();
                        let recorded = db::run(&self.pool, move |c| {
                            Ok(outbox::mark_sent(c, &id, &token, now)?)
                        })
                        .await?;
                        if !recorded {
                            self.forget_if_scrubbed(&row.id).await?;
                        }
                        continue;
                    }
                    Outcome::Failed { error, permanent } => {
                        let retry = !permanent && row.attempts < self.config.max_attempts;
                        (
                            retry.then(|| now + self.config.retry_delay(row.attempts)),
                            error,
                        )
                    }
                };
                if retry_at.is_some() {
                    report.retried += 1;
                    MailStats::add(&self.stats.retried, 1);
                    tracing::warn!(outbox_id = %row.id, attempts = row.attempts, %error, "email not sent; will retry");
                } else {
                    report.dead += 1;
                    MailStats::add(&self.stats.dead, 1);
                    tracing::error!(outbox_id = %row.id, attempts = row.attempts, %error, "email dead");
                }
                let id = row.id.clone();
                db::run(&self.pool, move |c| {
                    Ok(outbox::mark_failed(c, &id, &token, now, &error, retry_at)?)
                })
                .await?;
            }
        }
    }

    /// Runs until `stop` turns true: drains when woken, and on every tick. A send in
    /// progress at shutdown finishes (each is bounded by the send timeout) and is recorded.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        tracing::info!(mailer = %self.mailer.describe(), "mail worker started");
        // The schedule runs at start and then once per tick, not on every wake-up: under a
        // stream of notes the worker wakes for each one.
        let mut scheduled: Option<std::time::Instant> = None;
        loop {
            if scheduled.is_none_or(|at| at.elapsed() >= self.config.tick) {
                scheduled = Some(std::time::Instant::now());
                if let Err(e) = self.run_schedule_at(crate::store::now()).await {
                    tracing::error!(error = %format!("{e:#}"), "mail worker: schedule failed");
                }
            }
            if let Err(e) = self.drain().await {
                tracing::error!(error = %format!("{e:#}"), "mail worker: drain failed");
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(self.config.tick) => {}
                _ = stop.changed() => {}
            }
            if *stop.borrow() {
                break;
            }
        }
        tracing::info!("mail worker stopped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        let config = WorkerConfig::default();
        for (attempts, base) in [(1, 30), (2, 60), (3, 120), (4, 240)] {
            let delay = config.retry_delay(attempts).num_milliseconds();
            assert!(
                (base * 800..=base * 1200).contains(&delay),
                "{attempts}: {delay}"
            );
        }
        let capped = config.retry_delay(30).num_milliseconds();
        assert!(capped <= config.max_backoff.num_milliseconds() * 12 / 10);
    }
}
