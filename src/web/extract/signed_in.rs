//! Who is signed in: [`Staff`] admits anyone with a valid session, [`Manager`] managers and
//! admins, [`Admin`] admins only. Without a valid session the request is refused (pages
//! redirect to `/login`); with the wrong role it is 403. The session is looked up once per
//! request, however many extractors wait for it.

use std::future::Future;
use std::marker::PhantomData;
use std::ops::Deref;
use std::pin::Pin;
use std::rc::Rc;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use super::{ClientIp, app_state};
use crate::app::AppState;
use crate::db;
use crate::db::ids::StaffId;
use crate::domain::Role;
use crate::error::AppError;
use crate::store::audit::Actor;
use crate::store::staff::{self, Staff as Person};
use crate::web::session::{self, Refresh, SessionData};
use crate::web::staff::done::Done;

/// The signed-in staff member, as every staff handler sees them.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub staff: Person,
    pub role: Role,
    pub session: SessionData,
    /// This session's CSRF token, for the forms on the page.
    pub csrf: String,
    /// Where the request came from, for the audit log.
    pub ip: ClientIp,
    /// What the action that led here did (`?done=`), told in a notice on the page.
    pub done: Option<Done>,
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

    pub fn actor(&self) -> Actor {
        Actor::Staff {
            id: self.staff.id.clone(),
            name: self.staff.name.clone(),
        }
    }
}

/// Which roles a [`SignedIn`] extractor admits.
pub trait Roles {
    const ADMITTED: &'static [Role];
}

/// Any role.
#[derive(Debug, Clone, Copy)]
pub struct AnyRole;
/// Managers and admins.
#[derive(Debug, Clone, Copy)]
pub struct ManagerOrAdmin;
/// Admins only.
#[derive(Debug, Clone, Copy)]
pub struct AdminOnly;

impl Roles for AnyRole {
    const ADMITTED: &'static [Role] = Role::ALL;
}
impl Roles for ManagerOrAdmin {
    const ADMITTED: &'static [Role] = &[Role::Manager, Role::Admin];
}
impl Roles for AdminOnly {
    const ADMITTED: &'static [Role] = &[Role::Admin];
}

/// A signed-in staff member with one of the roles `R` admits.
#[derive(Debug, Clone)]
pub struct SignedIn<R> {
    viewer: Viewer,
    roles: PhantomData<R>,
}

/// Anyone signed in.
pub type Staff = SignedIn<AnyRole>;
/// A signed-in manager or admin.
pub type Manager = SignedIn<ManagerOrAdmin>;
/// A signed-in admin.
pub type Admin = SignedIn<AdminOnly>;

impl<R> Deref for SignedIn<R> {
    type Target = Viewer;

    fn deref(&self) -> &Viewer {
        &self.viewer
    }
}

type Extracting<T> = Pin<Box<dyn Future<Output = Result<T, AppError>>>>;

impl<R: Roles + 'static> FromRequest for SignedIn<R> {
    type Error = AppError;
    type Future = Extracting<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let viewer = viewer(req);
        Box::pin(async move {
            let viewer = viewer.await?;
            if R::ADMITTED.contains(&viewer.role) {
                Ok(Self {
                    viewer,
                    roles: PhantomData,
                })
            } else {
                Err(AppError::Forbidden)
            }
        })
    }
}

type Outcome = Result<Viewer, AppError>;

/// The session lookup of one request, kept in its extensions. A request without a valid
/// session cookie is refused at once, before anything else is checked; the database is
/// asked about the rest by the first extractor that waits.
#[derive(Clone)]
pub(super) struct Lookup {
    outcome: Rc<tokio::sync::OnceCell<Outcome>>,
    session: Option<SessionData>,
}

impl Lookup {
    /// This request's lookup, started by the first extractor that asks.
    pub(super) fn of(req: &HttpRequest) -> Self {
        if let Some(lookup) = req.extensions().get::<Self>() {
            return lookup.clone();
        }
        let session = app_state(req)
            .ok()
            .and_then(|state| session::read(req, &state));
        let refused = session.is_none().then_some(Err(AppError::Unauthorized));
        let lookup = Self {
            outcome: Rc::new(tokio::sync::OnceCell::new_with(refused)),
            session,
        };
        req.extensions_mut().insert(lookup.clone());
        lookup
    }

    /// The lookup of this request, if a signed-in extractor started one.
    pub(super) fn started(req: &HttpRequest) -> Option<Self> {
        req.extensions().get::<Self>().cloned()
    }

    /// The refusal of a request whose session cookie is missing or invalid.
    pub(super) fn refused_at_once(&self) -> Result<(), AppError> {
        match self.outcome.get() {
            Some(Err(e)) => Err(replay_error(e)),
            _ => Ok(()),
        }
    }

    /// The signed-in viewer (each caller gets its own copy).
    pub(super) async fn viewer(&self, req: &HttpRequest) -> Outcome {
        let session = self.session.clone();
        let outcome = self
            .outcome
            .get_or_init(|| look_up(req.clone(), session))
            .await;
        match outcome {
            Ok(viewer) => Ok(viewer.clone()),
            Err(e) => Err(replay_error(e)),
        }
    }
}

/// The signed-in viewer of this request.
pub(super) fn viewer(req: &HttpRequest) -> impl Future<Output = Outcome> + 'static {
    let lookup = Lookup::of(req);
    let req = req.clone();
    async move { lookup.viewer(&req).await }
}

/// Waits for the session when this request has a signed-in extractor, so that its
/// refusal comes before any other check.
pub(super) async fn settled(req: &HttpRequest) -> Result<(), AppError> {
    match Lookup::started(req) {
        Some(lookup) => lookup.viewer(req).await.map(drop),
        None => Ok(()),
    }
}

/// A copy of a refusal, for each extractor that waited for the session.
fn replay_error(e: &AppError) -> AppError {
    match e {
        AppError::Unauthorized => AppError::Unauthorized,
        AppError::Forbidden => AppError::Forbidden,
        AppError::Unavailable(cause) => AppError::Unavailable(anyhow::anyhow!("{cause:#}")),
        AppError::Internal(cause) => AppError::internal(anyhow::anyhow!("{cause:#}")),
        other => AppError::internal(anyhow::anyhow!("{other}")),
    }
}

async fn look_up(req: HttpRequest, session: Option<SessionData>) -> Outcome {
    let state = app_state(&req)?;
    let data = session.ok_or(AppError::Unauthorized)?;
    let id = StaffId::parse(&data.staff).ok_or(AppError::Unauthorized)?;
    let person = db::run(&state.pool, move |c| Ok(staff::find(c, &id)?)).await?;
    let person = person
        .filter(|p| p.active && p.session_epoch == data.epoch)
        .ok_or(AppError::Unauthorized)?;
    let role = person.role;
    if let Some(refreshed) = session::refreshed(&data) {
        req.extensions_mut()
            .insert(Refresh(session::cookie(&state, &refreshed)));
    }
    let csrf = crate::signing::sign(&state.secret_key, "csrf", &data.sid);
    Ok(Viewer {
        staff: person,
        role,
        session: data,
        csrf,
        ip: ClientIp::of(&req),
        done: Done::from_query(req.query_string()),
    })
}
