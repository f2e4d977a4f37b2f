//! What the mail worker does on a clock rather than on demand: escalate overdue complaints
//! (every tick), the daily moderation digest and the weekly recognition digest (from the
//! digest hour, UTC; the weekly one on Mondays), and the complaint retention policy.
//! Each step is idempotent, so several instances on one database send each email once.

use std::path::PathBuf;
use std::sync::Mutex;

use chrono::{Datelike, IsoWeek, NaiveDate, NaiveDateTime, Timelike, Weekday};

use super::compose::Links;
use crate::config::Secret;
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::store::{digests, escalations, retention};

/// The hour (UTC) from which the day's digests go out.
pub const DIGEST_HOUR: u32 = 8;

/// What one run of the schedule did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleReport {
    pub escalated: usize,
    pub moderation_digests: usize,
    pub weekly_digests: usize,
    pub expired: usize,
}

pub struct Schedule {
    pool: Pool,
    secret: Secret,
    base_url: String,
    /// Where `.eml` copies of emails may have been written, to remove the expired ones.
    eml_dir: PathBuf,
    /// The last day (and ISO week) this instance ran the digests: saves repeating the work
    /// every tick. The outbox's dedupe keys are what guarantee "once".
    daily_done: Mutex<Option<NaiveDate>>,
    weekly_done: Mutex<Option<IsoWeek>>,
}

impl Schedule {
    pub fn new(pool: Pool, secret: Secret, base_url: &str, eml_dir: PathBuf) -> Self {
        Self {
            pool,
            secret,
            base_url: base_url.to_owned(),
            eml_dir,
            daily_done: Mutex::new(None),
            weekly_done: Mutex::new(None),
        }
    }

    /// Runs whatever is due at `now` (tests pass the time they need).
    pub async fn run_at(&self, now: NaiveDateTime) -> Result<ScheduleReport, AppError> {
        let mut report = ScheduleReport::default();
        let (secret, base) = (self.secret.clone(), self.base_url.clone());
        report.escalated = db::run(&self.pool, move |c| {
            let links = Links {
                secret: &secret,
                base_url: &base,
            };
            Ok(escalations::escalate_overdue(c, now, links)?)
        })
        .await?;
        // Spent form tokens, old rate windows and forgotten throttles.
        db::run(&self.pool, move |c| {
            Ok(crate::store::limits::purge(c, now)?)
        })
        .await?;
        if now.hour() < DIGEST_HOUR {
            return Ok(report);
        }
        let today = now.date();
        if not_yet(&self.daily_done, today) {
            let base = self.base_url.clone();
            report.moderation_digests = db::run(&self.pool, move |c| {
                Ok(digests::moderation(c, today, &base)?)
            })
            .await?;
            let (expired, scrubbed) =
                db::run(&self.pool, move |c| Ok(retention::apply(c, now)?)).await?;
            report.expired = expired;
            let dir = self.eml_dir.clone();
            tokio::task::spawn_blocking(move || super::remove_eml_files(&dir, &scrubbed))
                .await
                .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
            remember(&self.daily_done, today);
        }
        let week = today.iso_week();
        if today.weekday() == Weekday::Mon && not_yet(&self.weekly_done, week) {
            let base = self.base_url.clone();
            report.weekly_digests =
                db::run(&self.pool, move |c| Ok(digests::weekly(c, now, &base)?)).await?;
            remember(&self.weekly_done, week);
        }
        Ok(report)
    }
}

/// Whether this instance has not yet done the work for `value` (a day or a week).
fn not_yet<T: PartialEq + Copy>(slot: &Mutex<Option<T>>, value: T) -> bool {
    *slot.lock().unwrap_or_else(|e| e.into_inner()) != Some(value)
}

/// Records that the work for `value` is done (only after it succeeded, so a failure retries).
fn remember<T: Copy>(slot: &Mutex<Option<T>>, value: T) {
    *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(value);
}
