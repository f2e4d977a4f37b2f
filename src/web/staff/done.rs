//! What a staff action just did, told on the page it lands on. A form that worked redirects
//! with `?done=<code>`; the page shows that code's sentence in a status notice (announced to
//! screen readers). The sentences are a fixed list here, so a link cannot put words on a page.

use serde::{Deserialize, Serialize};

/// Each thing a staff action can report having done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Done {
    Saved,
    PasswordChanged,
    PhotoSaved,
    PhotoRemoved,
    LogoSaved,
    LogoRemoved,
    Published,
    Declined,
    Withdrawn,
    Featured,
    Unfeatured,
    Imported,
    Invited,
    Replied,
    Acknowledged,
    Assigned,
    Resolved,
    Reopened,
    Escalated,
    TeamCreated,
    TeamSaved,
    PersonSaved,
    Deactivated,
    Reactivated,
    Erased,
    Retried,
    Commented,
    TeamDeactivated,
}

impl Done {
    /// The sentence the page shows.
    pub fn message(self) -> &'static str {
        match self {
            Self::Saved => "Saved.",
            Self::PasswordChanged => "Your password is changed. Other sessions were signed out.",
            Self::PhotoSaved => "Your photo is saved.",
            Self::PhotoRemoved => "Your photo is removed: customers see your initials.",
            Self::LogoSaved => "The logo is saved.",
            Self::LogoRemoved => "The logo is removed.",
            Self::Published => "Published: the story is on the wall.",
            Self::Declined => "Declined: the story will not be published.",
            Self::Withdrawn => "Withdrawn: the story is no longer on the wall.",
            Self::Featured => "Featured: the story now stays at the top of the wall.",
            Self::Unfeatured => "No longer featured.",
            Self::Imported => "Imported.",
            Self::Invited => "Invitation sent.",
            Self::Replied => "Reply sent to the customer.",
            Self::Acknowledged => "Acknowledged: the customer has been told.",
            Self::Assigned => "Assigned.",
            Self::Resolved => "Resolved: the customer has been told.",
            Self::Reopened => "Reopened.",
            Self::Escalated => "Escalated.",
            Self::TeamCreated => "Team created.",
            Self::TeamSaved => "Team saved.",
            Self::PersonSaved => "Saved.",
            Self::Deactivated => "Deactivated: they can no longer sign in.",
            Self::Reactivated => "Reactivated.",
            Self::Erased => "Erased.",
            Self::Retried => "Queued to be sent again.",
            Self::Commented => "Internal note added.",
            Self::TeamDeactivated => "Team deactivated: customers are no longer offered it.",
        }
    }

    /// The notice a request's query asks for, if it names one (anything else is ignored).
    pub fn from_query(query: &str) -> Option<Self> {
        #[derive(Deserialize)]
        struct Query {
            done: Option<Done>,
        }
        serde_urlencoded::from_str::<Query>(query).ok()?.done
    }
}

/// A 303 to `location` (which may already have a query) that reports `done` there.
pub fn see_other(location: &str, done: Done) -> actix_web::HttpResponse {
    let (path, fragment) = match location.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (location, None),
    };
    let join = if path.contains('?') { '&' } else { '?' };
    let query = serde_urlencoded::to_string([("done", done)]).unwrap_or_default();
    let mut to = format!("{path}{join}{query}");
    if let Some(fragment) = fragment {
        to.push('#');
        to.push_str(fragment);
    }
    crate::web::see_other(&to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_travel_and_come_back() {
        for done in [Done::Saved, Done::PasswordChanged, Done::TeamCreated] {
            let res = see_other("/staff/cases?status=open#list", done);
            let to = res
                .headers()
                .get("location")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            let (_, rest) = to.split_once('?').unwrap();
            let query = rest.split('#').next().unwrap();
            assert_eq!(Done::from_query(query), Some(done), "{to}");
            assert!(to.ends_with("#list"), "{to}");
        }
    }

    #[test]
    fn unknown_codes_say_nothing() {
        assert_eq!(Done::from_query("done=%3Cscript%3E"), None);
        assert_eq!(Done::from_query("done="), None);
        assert_eq!(Done::from_query(""), None);
        assert_eq!(Done::from_query("q=saved"), None);
    }
}
