//! Pure types and rules, no I/O: values that validate on parse, and the rules of the domain.
//! The closed sets of words (statuses, kinds, roles) also say how they are stored: as that
//! word in a TEXT column (diesel's `ToSql`/`FromSql`, see `text_enum`).

pub mod brand;
pub mod case;
mod email;
mod event;
mod handle;
mod note;
mod outbox;
mod password;
mod person_name;
pub mod redaction;
mod reference;
pub mod routing;
mod staff;
pub mod staff_csv;
pub mod story;
mod submission;
mod text;
mod text_enum;
pub mod throttle;
mod token;

pub use case::CaseStatus;
pub use email::Email;
pub use event::EventKind;
pub use handle::Handle;
pub use note::{Channel, Display, NoteBody, NoteKind, NoteStatus};
pub use outbox::OutboxStatus;
pub use password::{Password, verify as verify_password};
pub use person_name::PersonName;
pub use reference::Reference;
pub use staff::{Role, StaffFields, StaffInput, TeamName, close_matches};
pub use story::StoryStatus;
pub use submission::{Submission, SubmissionFields};
pub use token::TokenKind;

pub(crate) use text_enum::text_sql;

/// A problem with one input field, shown next to that field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Why a value was refused, in words fit to show the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

impl Invalid {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}
