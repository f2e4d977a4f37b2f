//! Staff sessions: an encrypted, authenticated cookie (AES-GCM with a key derived from the
//! secret key), so any instance can serve any request. Idle and absolute timeouts; the
//! staff member's `session_epoch` in the database ends every session at logout or deactivation.
//! Who a session belongs to is for `web::extract` to look up.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite, time::Duration as CookieDuration};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::store::staff::Staff;

/// A session ends after this long without a request...
pub const IDLE_SECS: i64 = 8 * 60 * 60;
/// ...and in any case this long after signing in.
pub const ABSOLUTE_SECS: i64 = 7 * 24 * 60 * 60;
/// The idle clock is pushed forward at most this often (each push re-sends the cookie).
const REFRESH_AFTER_SECS: i64 = 5 * 60;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionData {
    /// A fresh random id for every sign-in.
    pub sid: String,
    pub staff: String,
    pub epoch: i32,
    /// Signed in at (Unix seconds).
    pub iat: i64,
    /// Last seen at (Unix seconds).
    pub seen: i64,
}

/// The cookie key derived from one of the secret keys.
fn key(secret_key: &str) -> Key {
    Key::derive_from(secret_key.as_bytes())
}

/// `__Host-` cookies must be `Secure`, so the prefix is used only behind https.
pub fn cookie_name(base_url: &str) -> &'static str {
    if base_url.starts_with("https://") {
        "__Host-heard_session"
    } else {
        "heard_session"
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The encrypted cookie that carries `data`.
pub fn cookie(state: &AppState, data: &SessionData) -> Cookie<'static> {
    let secure = state.settings.base_url.starts_with("https://");
    let value = serde_json::to_string(data).unwrap_or_default();
    let plain = Cookie::build(cookie_name(&state.settings.base_url), value)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(ABSOLUTE_SECS))
        .finish();
    let mut jar = CookieJar::new();
    jar.private_mut(&key(crate::signing::current_key(&state.secret_key)))
        .add(plain);
    jar.delta()
        .next()
        .cloned()
        .unwrap_or_else(|| Cookie::new("x", ""))
}

/// A cookie that removes the session from the browser.
pub fn removal(state: &AppState) -> Cookie<'static> {
    let mut gone = Cookie::build(cookie_name(&state.settings.base_url), "")
        .path("/")
        .http_only(true)
        .secure(state.settings.base_url.starts_with("https://"))
        .same_site(SameSite::Lax)
        .finish();
    gone.make_removal();
    gone
}

/// A new session for someone who just signed in (a new id every time).
pub fn start(state: &AppState, person: &Staff) -> Cookie<'static> {
    let mut sid = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut sid);
    let t = now();
    let data = SessionData {
        sid: hex::encode(sid),
        staff: person.id.to_string(),
        epoch: person.session_epoch,
        iat: t,
        seen: t,
    };
    cookie(state, &data)
}

/// The session in a request, if its cookie decrypts and it has not timed out.
pub fn read(req: &HttpRequest, state: &AppState) -> Option<SessionData> {
    let raw = req.cookie(cookie_name(&state.settings.base_url))?;
    let mut jar = CookieJar::new();
    jar.add_original(raw);
    // Made with the current key, or with a previous one still listed (then the next refresh
    // re-encrypts it with the current key).
    let plain = crate::signing::keys(&state.secret_key).find_map(|secret_key| {
        jar.private(&key(secret_key))
            .get(cookie_name(&state.settings.base_url))
    })?;
    let data: SessionData = serde_json::from_str(plain.value()).ok()?;
    let t = now();
    (t - data.seen <= IDLE_SECS && t - data.iat <= ABSOLUTE_SECS && data.seen <= t + 60)
        .then_some(data)
}

/// Set on a request whose session cookie should be re-sent with a later "last seen".
#[derive(Clone)]
pub struct Refresh(pub Cookie<'static>);

/// The session with its idle clock pushed forward, when it is due (each push re-sends the
/// cookie, so it happens at most every few minutes).
pub fn refreshed(data: &SessionData) -> Option<SessionData> {
    let t = now();
    (t - data.seen > REFRESH_AFTER_SECS).then(|| SessionData {
        seen: t,
        ..data.clone()
    })
}
