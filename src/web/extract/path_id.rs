//! `PathId<T>`: the `{id}` segment of the path as a typed id; a malformed one is 404, as a
//! page that does not exist (and it never reaches SQL).

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use super::signed_in;
use crate::db::ids::{NoteId, OutboxId, StaffId, StoryId, TeamId};
use crate::error::AppError;

/// An id type that can be read from text.
pub trait ParseId: Sized {
    fn parse_id(text: &str) -> Option<Self>;
}

macro_rules! parse_id {
    ($($id:ty),+ $(,)?) => {$(
        impl ParseId for $id {
            fn parse_id(text: &str) -> Option<Self> {
                <$id>::parse(text)
            }
        }
    )+};
}

parse_id!(NoteId, OutboxId, StaffId, StoryId, TeamId);

/// The route's `{id}`, well-formed.
#[derive(Debug, Clone)]
pub struct PathId<T>(pub T);

impl<T> PathId<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for PathId<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: ParseId + 'static> FromRequest for PathId<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let id = T::parse_id(req.match_info().query("id"));
        let req = req.clone();
        Box::pin(async move {
            // On a staff route the session is checked first.
            signed_in::settled(&req).await?;
            id.map(Self).ok_or(AppError::NotFound)
        })
    }
}
