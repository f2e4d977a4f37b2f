//! The emails that carry a one-time link for a member of staff: an invitation and a
//! password reset.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::{ComposeResult, compose, minute};
use crate::store::staff::Staff;

#[derive(Serialize)]
struct Invitation<'a> {
    base_url: &'a str,
    recipient_name: &'a str,
    inviter: &'a str,
    team: Option<&'a str>,
    link: String,
    expires: String,
    personal_link: String,
}

#[derive(Serialize)]
struct PasswordReset<'a> {
    base_url: &'a str,
    recipient_name: &'a str,
    link: String,
}

/// To `person` (of `team`), whom `inviter` invited: the link to choose a password, valid
/// until `expires`, and their personal thank-you page.
pub fn invitation(
    base_url: &str,
    person: &Staff,
    team: Option<&str>,
    inviter: &str,
    token: &str,
    expires: NaiveDateTime,
) -> ComposeResult {
    let context = Invitation {
        base_url,
        recipient_name: &person.name,
        inviter,
        team,
        link: format!("{base_url}/invite/{token}"),
        expires: minute(expires),
        personal_link: format!("{base_url}/to/{}", person.handle),
    };
    compose("invitation", &context)
}

/// To someone who asked to reset their password: the link to choose a new one.
pub fn password_reset(base_url: &str, recipient: &str, token: &str) -> ComposeResult {
    let context = PasswordReset {
        base_url,
        recipient_name: recipient,
        link: format!("{base_url}/password/reset/{token}"),
    };
    compose("password_reset", &context)
}
