//! Counters of what the mail worker did since start-up, for `GET /metrics`.

use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct MailStats {
    pub sent: AtomicU64,
    pub retried: AtomicU64,
    pub dead: AtomicU64,
    pub escalated: AtomicU64,
    pub digests: AtomicU64,
}

impl MailStats {
    pub fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}
