//! Protection for public POSTs: signed, single-use form tokens with a minimum fill time
//! (bound to the browser where a cookie is needed first), and per-client rate limits, kept in
//! memory on SQLite and in the database on PostgreSQL so that every instance shares them.
//! The client's address is `web::extract::ClientIp`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use rand::RngCore;

use crate::config::Secret;
use crate::db::Pool;
use crate::domain::throttle::client_of;
use crate::error::AppError;

/// How long a served form stays valid.
pub const FORM_TOKEN_TTL_SECS: i64 = 24 * 60 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormTokenError {
    Missing,
    Forged,
    Expired,
    TooFresh,
    Used,
}

impl FormTokenError {
    pub fn message(self) -> &'static str {
        match self {
            Self::Missing | Self::Forged => {
                "This form could not be checked. Please reload the page and send it again."
            }
            Self::Expired => {
                "This form was open for too long. Please reload the page and send it again."
            }
            Self::TooFresh => {
                "That was very quick! Please take a moment to check your note, then send it again."
            }
            Self::Used => "This form was already sent. Please reload the page to send it again.",
        }
    }
}

/// What a valid form token names: its random part (remembered once used, so a token
/// works once) and when it stops being valid anyway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormNonce {
    pub nonce: String,
    pub expires_at: NaiveDateTime,
}

fn signed_data(issued: &str, nonce: &str, binding: &str) -> String {
    if binding.is_empty() {
        format!("{issued}.{nonce}")
    } else {
        format!("{issued}.{nonce}.{binding}")
    }
}

/// A token for a form served at `now` (Unix seconds): `issued.nonce.signature`.
pub fn issue_form_token(secret: &Secret, now: i64) -> String {
    issue_bound_form_token(secret, now, "")
}

/// A form token that is valid only with `binding` (a value from the browser's own cookie),
/// so a token taken from one browser does not work in another.
pub fn issue_bound_form_token(secret: &Secret, now: i64, binding: &str) -> String {
    let mut nonce = [0u8; 8];
    rand::rng().fill_bytes(&mut nonce);
    let nonce = hex::encode(nonce);
    let sig = crate::signing::sign(
        secret,
        "form",
        &signed_data(&now.to_string(), &nonce, binding),
    );
    format!("{now}.{nonce}.{sig}")
}

/// Checks a form token posted at `now`; the form must have been open at least `min_secs`.
/// Whether it was used before is for the caller to check, with the returned nonce.
pub fn check_form_token(
    secret: &Secret,
    token: &str,
    now: i64,
    min_secs: u64,
) -> Result<FormNonce, FormTokenError> {
    check_bound_form_token(secret, token, now, min_secs, "")
}

/// [`check_form_token`] for a token issued with [`issue_bound_form_token`].
pub fn check_bound_form_token(
    secret: &Secret,
    token: &str,
    now: i64,
    min_secs: u64,
    binding: &str,
) -> Result<FormNonce, FormTokenError> {
    let token = token.trim();
    if token.is_empty() {
        return Err(FormTokenError::Missing);
    }
    let mut parts = token.splitn(3, '.');
    let (Some(issued), Some(nonce), Some(sig)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(FormTokenError::Forged);
    };
    if !crate::signing::verify(secret, "form", &signed_data(issued, nonce, binding), sig) {
        return Err(FormTokenError::Forged);
    }
    let issued: i64 = issued.parse().map_err(|_| FormTokenError::Forged)?;
    let age = now - issued;
    if age > FORM_TOKEN_TTL_SECS {
        return Err(FormTokenError::Expired);
    }
    if age < min_secs as i64 {
        return Err(FormTokenError::TooFresh);
    }
    let expires_at = chrono::DateTime::from_timestamp(issued + FORM_TOKEN_TTL_SECS, 0)
        .ok_or(FormTokenError::Forged)?
        .naive_utc();
    Ok(FormNonce {
        nonce: nonce.to_owned(),
        expires_at,
    })
}

/// A per-minute budget per client (an IPv4 address or an IPv6 /64): in memory on one
/// SQLite instance, in the database on PostgreSQL, where several instances share it.
pub struct Limiter {
    name: &'static str,
    per_minute: u32,
    memory: RateLimiter,
    shared: bool,
}

impl Limiter {
    pub fn new(name: &'static str, per_minute: u32, shared: bool) -> Self {
        Self {
            name,
            per_minute,
            memory: RateLimiter::new(per_minute),
            shared,
        }
    }

    /// Counts one request from `ip`; over the budget it is a 429 with `Retry-After`.
    pub async fn check(&self, pool: &Pool, ip: IpAddr) -> Result<(), AppError> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let client = client_of(ip);
        if !self.shared {
            return self
                .memory
                .check(client, Instant::now())
                .map_err(|retry_after_secs| AppError::RateLimited { retry_after_secs });
        }
        let bucket = format!("{}:{client}", self.name);
        let now = crate::store::now();
        let (hits, start) = crate::db::run(pool, move |c| {
            Ok(crate::store::limits::hit(
                c,
                &bucket,
                now,
                chrono::Duration::seconds(60),
            )?)
        })
        .await?;
        if u32::try_from(hits).unwrap_or(u32::MAX) > self.per_minute {
            let left = (start + chrono::Duration::seconds(60) - now).num_seconds();
            return Err(AppError::RateLimited {
                retry_after_secs: u64::try_from(left).unwrap_or(1).max(1),
            });
        }
        Ok(())
    }
}

/// A fixed one-minute window per address, kept in memory by each instance.
pub struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request from `ip`; `Err(seconds)` says how long to wait when over the limit.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let window = Duration::from_secs(60);
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if windows.len() > 100_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = windows.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_minute {
            let wait = window.saturating_sub(now.duration_since(entry.0));
            return Err(wait.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_tokens() {
        let key = Secret::new("k".repeat(40));
        let token = issue_form_token(&key, 1_000);
        let nonce = check_form_token(&key, &token, 1_003, 3).expect("valid");
        assert_eq!(nonce.nonce, token.split('.').nth(1).unwrap());
        assert_eq!(
            nonce.expires_at.and_utc().timestamp(),
            1_000 + FORM_TOKEN_TTL_SECS
        );
        assert_eq!(
            check_form_token(&key, &token, 1_001, 3),
            Err(FormTokenError::TooFresh)
        );
        assert_eq!(
            check_form_token(&key, &token, 1_000 + FORM_TOKEN_TTL_SECS + 1, 3),
            Err(FormTokenError::Expired)
        );
        assert_eq!(
            check_form_token(&key, "", 1_003, 3),
            Err(FormTokenError::Missing)
        );
        let forged = token.replacen("1000", "900", 1);
        assert_eq!(
            check_form_token(&key, &forged, 1_003, 3),
            Err(FormTokenError::Forged)
        );
        let other = Secret::new("o".repeat(40));
        assert_eq!(
            check_form_token(&other, &token, 1_003, 3),
            Err(FormTokenError::Forged)
        );
        assert_eq!(
            check_form_token(&key, "a.b", 1_003, 3),
            Err(FormTokenError::Forged)
        );
    }

    #[test]
    fn bound_form_tokens_work_only_with_their_binding() {
        let key = Secret::new("k".repeat(40));
        let token = issue_bound_form_token(&key, 1_000, "browser-a");
        assert!(check_bound_form_token(&key, &token, 1_001, 0, "browser-a").is_ok());
        for other in ["browser-b", ""] {
            assert_eq!(
                check_bound_form_token(&key, &token, 1_001, 0, other),
                Err(FormTokenError::Forged)
            );
        }
        let unbound = issue_form_token(&key, 1_000);
        assert_eq!(
            check_bound_form_token(&key, &unbound, 1_001, 0, "browser-a"),
            Err(FormTokenError::Forged)
        );
    }

    #[test]
    fn rate_limits_per_address_and_window() {
        let limiter = RateLimiter::new(2);
        let (a, b): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        let t = Instant::now();
        assert!(limiter.check(a, t).is_ok());
        assert!(limiter.check(a, t).is_ok());
        let wait = limiter.check(a, t + Duration::from_secs(20)).unwrap_err();
        assert_eq!(wait, 40);
        assert!(
            limiter.check(b, t).is_ok(),
            "another address has its own budget"
        );
        assert!(
            limiter.check(a, t + Duration::from_secs(61)).is_ok(),
            "a new minute"
        );
        let off = RateLimiter::new(0);
        assert!((0..1000).all(|_| off.check(a, t).is_ok()));
    }
}
