//! Pure types and rules, no I/O: values that validate on parse, and the rules of the domain.

pub mod case;
mod email;
mod feedback;
mod handle;
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
pub mod throttle;

pub use email::Email;
pub use feedback::{Channel, Display, FeedbackBody, FeedbackKind};
pub use handle::Handle;
pub use password::{Password, verify as verify_password};
pub use person_name::PersonName;
pub use reference::Reference;
pub use staff::{Role, StaffFields, StaffInput, TeamName};
pub use submission::{Submission, SubmissionFields};

/// Why a value was refused, in words fit to show the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

impl Invalid {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}
