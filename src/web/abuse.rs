//! Protection for public POSTs: signed form tokens with a minimum fill time, the client's
//! address (believing `X-Forwarded-For` only from trusted proxies), and per-address rate limits.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::HttpRequest;
use rand::RngCore;

use crate::config::{Cidr, Secret};

/// How long a served form stays valid.
pub const FORM_TOKEN_TTL_SECS: i64 = 24 * 60 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormTokenError {
    Missing,
    Forged,
    Expired,
    TooFresh,
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
        }
    }
}

/// A token for a form served at `now` (Unix seconds): `issued.nonce.signature`.
pub fn issue_form_token(secret: &Secret, now: i64) -> String {
    let mut nonce = [0u8; 8];
    rand::rng().fill_bytes(&mut nonce);
    let nonce: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
    let data = format!("{now}.{nonce}");
    let sig = crate::signing::sign(secret, "form", &data);
    format!("{data}.{sig}")
}

/// Checks a form token posted at `now`; the form must have been open at least `min_secs`.
pub fn check_form_token(
    secret: &Secret,
    token: &str,
    now: i64,
    min_secs: u64,
) -> Result<(), FormTokenError> {
    let token = token.trim();
    if token.is_empty() {
        return Err(FormTokenError::Missing);
    }
    let mut parts = token.splitn(3, '.');
    let (Some(issued), Some(nonce), Some(sig)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(FormTokenError::Forged);
    };
    if !crate::signing::verify(secret, "form", &format!("{issued}.{nonce}"), sig) {
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
    Ok(())
}

/// The address of the client: the peer, or — when the peer is a trusted proxy — the
/// right-most address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_ip(req: &HttpRequest, trusted: &[Cidr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    if !is_trusted(peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !is_trusted(*ip))
            .unwrap_or(peer),
    )
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
    use actix_web::test::TestRequest;

    #[test]
    fn form_tokens() {
        let key = Secret::new("k".repeat(40));
        let token = issue_form_token(&key, 1_000);
        assert_eq!(check_form_token(&key, &token, 1_003, 3), Ok(()));
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
    fn client_ip_believes_only_trusted_proxies() {
        let proxies = [Cidr::parse("10.0.0.0/8").unwrap()];
        let direct = TestRequest::default()
            .peer_addr("203.0.113.7:5000".parse().unwrap())
            .insert_header(("X-Forwarded-For", "1.2.3.4"))
            .to_http_request();
        assert_eq!(client_ip(&direct, &proxies), "203.0.113.7".parse().ok());
        let proxied = TestRequest::default()
            .peer_addr("10.0.0.2:5000".parse().unwrap())
            .insert_header(("X-Forwarded-For", "6.6.6.6, 198.51.100.9, 10.0.0.3"))
            .to_http_request();
        assert_eq!(client_ip(&proxied, &proxies), "198.51.100.9".parse().ok());
        assert_eq!(client_ip(&proxied, &[]), "10.0.0.2".parse().ok());
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

/// Counts failures per key (an account) in a window; past the limit the key is locked
/// until the window ends, whatever is tried.
pub struct FailureLimiter {
    max: u32,
    window: Duration,
    failures: Mutex<HashMap<String, (Instant, u32)>>,
}

impl FailureLimiter {
    pub fn new(max: u32, window: Duration) -> Self {
        Self {
            max,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, u32)>> {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Seconds until `key` may try again, if it is locked.
    pub fn locked(&self, key: &str, now: Instant) -> Option<u64> {
        let map = self.lock();
        let (start, count) = map.get(key)?;
        let elapsed = now.duration_since(*start);
        (*count >= self.max && elapsed < self.window)
            .then(|| (self.window - elapsed).as_secs().max(1))
    }

    pub fn fail(&self, key: &str, now: Instant) {
        let mut map = self.lock();
        if map.len() > 100_000 {
            let window = self.window;
            map.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = map.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
    }

    pub fn clear(&self, key: &str) {
        self.lock().remove(key);
    }
}

#[cfg(test)]
mod failure_tests {
    use super::*;

    #[test]
    fn accounts_lock_after_repeated_failures() {
        let limiter = FailureLimiter::new(3, Duration::from_secs(900));
        let t = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.locked("pat", t), None);
            limiter.fail("pat", t);
        }
        assert!(limiter.locked("pat", t + Duration::from_secs(10)).is_some());
        assert_eq!(limiter.locked("sam", t), None);
        assert_eq!(limiter.locked("pat", t + Duration::from_secs(901)), None);
        limiter.clear("pat");
        assert_eq!(limiter.locked("pat", t), None);
    }
}
