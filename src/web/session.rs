//! Staff sessions: an encrypted, authenticated cookie (AES-GCM with a key derived from the
//! secret key), so any instance can serve any request. Idle and absolute timeouts; the
//! staff member's `session_epoch` in the database ends every session at logout or deactivation.

use actix_web::cookie::{Cookie, CookieJar, Key, SameSite, time::Duration as CookieDuration};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::config::Secret;
use crate::db;
use crate::db::ids::StaffId;
use crate::domain::Role;
use crate::error::AppError;
use crate::store::staff::{self, Staff};

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

fn key(secret: &Secret) -> Key {
    Key::derive_from(secret.expose().as_bytes())
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
    jar.private_mut(&key(&state.secret_key)).add(plain);
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
        sid: sid.iter().map(|b| format!("{b:02x}")).collect(),
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
    let plain = jar
        .private(&key(&state.secret_key))
        .get(cookie_name(&state.settings.base_url))?;
    let data: SessionData = serde_json::from_str(plain.value()).ok()?;
    let t = now();
    (t - data.seen <= IDLE_SECS && t - data.iat <= ABSOLUTE_SECS && data.seen <= t + 60)
        .then_some(data)
}

/// Set on a request whose session cookie should be re-sent with a later "last seen".
#[derive(Clone)]
pub struct Refresh(pub Cookie<'static>);

/// The signed-in staff member: every staff handler takes one, so no staff route can forget
/// to check. Without a valid session the request is refused (pages redirect to `/login`).
#[derive(Debug, Clone)]
pub struct Viewer {
    pub staff: Staff,
    pub role: Role,
    pub session: SessionData,
    /// This session's CSRF token, for the forms on the page.
    pub csrf: String,
}

impl Viewer {
    /// Refuses (403) a state-changing request whose CSRF token is missing or forged.
    pub fn check_csrf(&self, state: &AppState, token: &str) -> Result<(), AppError> {
        if crate::signing::verify(&state.secret_key, "csrf", &self.session.sid, token) {
            Ok(())
        } else {
            Err(AppError::Denied(
                "This form has expired or did not come from Heard. Reload the page and try again."
                    .into(),
            ))
        }
    }

    pub fn id(&self) -> &StaffId {
        &self.staff.id
    }

    /// Only these roles may go on.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn actor(&self) -> crate::store::audit::Actor {
        crate::store::audit::Actor::Staff {
            id: self.staff.id.clone(),
            name: self.staff.name.clone(),
        }
    }
}

impl FromRequest for Viewer {
    type Error = AppError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("no app state")))?;
            let data = read(&req, &state).ok_or(AppError::Unauthorized)?;
            let id = StaffId::parse(&data.staff).ok_or(AppError::Unauthorized)?;
            let person = db::run(&state.pool, move |c| Ok(staff::find(c, &id)?)).await?;
            let person = person
                .filter(|p| p.active && p.session_epoch == data.epoch)
                .ok_or(AppError::Unauthorized)?;
            let role = Role::parse(&person.role).map_err(|_| AppError::Forbidden)?;
            if now() - data.seen > REFRESH_AFTER_SECS {
                let refreshed = SessionData {
                    seen: now(),
                    ..data.clone()
                };
                req.extensions_mut()
                    .insert(Refresh(cookie(&state, &refreshed)));
            }
            let csrf = crate::signing::sign(&state.secret_key, "csrf", &data.sid);
            Ok(Viewer {
                staff: person,
                role,
                session: data,
                csrf,
            })
        })
    }
}
