//! A staff form whose CSRF token was checked before the handler runs: `CsrfForm<T>` reads
//! the body as `web::Form<T>` and refuses (403) a token that is missing or was not issued to
//! this session.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::{app_state, signed_in};

/// A form that carries the session's CSRF token in its `csrf` field.
pub trait HasCsrf {
    fn csrf(&self) -> &str;
}

/// Implements [`HasCsrf`] for forms with a `csrf: String` field.
#[macro_export]
macro_rules! csrf_field {
    ($($form:ty),+ $(,)?) => {$(
        impl $crate::web::extract::HasCsrf for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        }
    )+};
}

/// A form with nothing but its token (signing out, sending an email again).
#[derive(Debug, Default, Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

crate::csrf_field!(CsrfOnly);

/// A posted form whose CSRF token is this session's.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

impl<T> CsrfForm<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for CsrfForm<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + HasCsrf + 'static> FromRequest for CsrfForm<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = web::Form::<T>::from_request(req, payload);
        let lookup = signed_in::Lookup::of(req);
        let (req, state) = (req.clone(), app_state(req));
        Box::pin(async move {
            // No session is refused first, then a body that cannot be read, then the rest.
            lookup.refused_at_once()?;
            let form = form.await?.into_inner();
            let viewer = lookup.viewer(&req).await?;
            let state = state?;
            viewer.check_csrf(&state, form.csrf())?;
            Ok(Self(form))
        })
    }
}
