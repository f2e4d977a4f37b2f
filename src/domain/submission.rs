//! A customer's note as submitted (by the form or the API), parsed into domain values with
//! every problem reported against its field.

use chrono::NaiveDate;

use super::{Channel, Display, Email, FeedbackBody, FeedbackKind, Handle, PersonName};
use crate::error::FieldError;

/// The raw fields, as text; empty optional fields mean "not given".
#[derive(Debug, Clone, Default)]
pub struct SubmissionFields {
    pub kind: String,
    pub rep: String,
    pub team: String,
    pub customer_name: String,
    pub customer_email: String,
    pub body: String,
    /// `None` when the client said nothing about publishing (a form's unticked box is `Some(false)`).
    pub consent_publish: Option<bool>,
    pub display: String,
    pub interaction_date: String,
    pub channel: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub kind: FeedbackKind,
    pub rep: Option<Handle>,
    /// A team slug, for notes whose rep the customer could not name.
    pub team: Option<String>,
    pub customer_name: Option<PersonName>,
    pub customer_email: Option<Email>,
    pub body: FeedbackBody,
    pub consent_publish: bool,
    pub display: Display,
    pub interaction_date: Option<NaiveDate>,
    pub channel: Option<Channel>,
}

fn given(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|t| !t.is_empty())
}

impl Submission {
    /// Parses every field; `today` bounds the interaction date.
    pub fn parse(f: &SubmissionFields, today: NaiveDate) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, message: String| errors.push(FieldError::new(field, message));

        let kind = FeedbackKind::parse(&f.kind)
            .map_err(|_| {
                fail(
                    "kind",
                    "Choose whether this is a thank-you or a complaint.".into(),
                )
            })
            .ok();
        let rep = match given(&f.rep) {
            None => None,
            Some(text) => Handle::parse(text)
                .map_err(|_| fail("rep", format!("We don't know anyone called {text:?} here.")))
                .ok(),
        };
        let team = match given(&f.team) {
            None => None,
            Some(text) if text.len() <= 100 && !text.chars().any(char::is_control) => {
                Some(text.to_lowercase())
            }
            Some(_) => {
                fail("team", "Choose a team from the list.".into());
                None
            }
        };
        let customer_name = match given(&f.customer_name) {
            None => None,
            Some(text) => PersonName::parse(text)
                .map_err(|e| fail("customer_name", e.0.replace("Name", "Your name")))
                .ok(),
        };
        let customer_email = match given(&f.customer_email) {
            None => None,
            Some(text) => Email::parse(text)
                .map_err(|e| fail("customer_email", e.0))
                .ok(),
        };
        let body = FeedbackBody::parse(&f.body)
            .map_err(|e| fail("body", e.0))
            .ok();
        let display = match given(&f.display) {
            None => None,
            Some(text) => Display::parse(text)
                .map_err(|_| fail("display", "Choose how you'd like to be named.".into()))
                .ok(),
        };
        let interaction_date = match given(&f.interaction_date) {
            None => None,
            Some(text) => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(date) if date > today => {
                    fail("interaction_date", "That date is in the future.".into());
                    None
                }
                Ok(date) if (today - date).num_days() > 3 * 366 => {
                    fail(
                        "interaction_date",
                        "That date is more than three years ago.".into(),
                    );
                    None
                }
                Ok(date) => Some(date),
                Err(_) => {
                    fail("interaction_date", "Give the date as YYYY-MM-DD.".into());
                    None
                }
            },
        };
        let channel = match given(&f.channel) {
            None => None,
            Some(text) => Channel::parse(text)
                .map_err(|_| fail("channel", "Choose how you were in touch.".into()))
                .ok(),
        };

        let mut consent_publish = f.consent_publish.unwrap_or(false);
        match kind {
            Some(FeedbackKind::Complaint) => {
                if consent_publish {
                    fail("consent_publish", "Complaints are never published.".into());
                }
                if given(&f.customer_email).is_none() {
                    fail(
                        "customer_email",
                        "Please give your email address so the manager can answer you.".into(),
                    );
                }
                consent_publish = false;
            }
            Some(FeedbackKind::Thanks) => {
                if consent_publish && given(&f.display).is_none() {
                    fail(
                        "display",
                        "Choose how you'd like to be named on the wall.".into(),
                    );
                }
                if consent_publish
                    && display.is_some_and(|d| d != Display::Anonymous)
                    && given(&f.customer_name).is_none()
                {
                    fail(
                        "customer_name",
                        "Please give your name, or choose to appear as \"A customer\".".into(),
                    );
                }
            }
            None => {}
        }
        match (kind, body) {
            (Some(kind), Some(body)) if errors.is_empty() => Ok(Self {
                kind,
                rep,
                team,
                customer_name,
                customer_email,
                body,
                consent_publish,
                display: display.unwrap_or(Display::Anonymous),
                interaction_date,
                channel,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn thanks() -> SubmissionFields {
        SubmissionFields {
            kind: "thanks".into(),
            rep: "maria".into(),
            customer_name: "Pat Doe".into(),
            customer_email: "pat@example.com".into(),
            body: "Thank you!".into(),
            consent_publish: Some(true),
            display: "first".into(),
            interaction_date: "2026-11-20".into(),
            channel: "phone".into(),
            ..Default::default()
        }
    }

    fn fields_with_errors(f: SubmissionFields) -> Vec<String> {
        Submission::parse(&f, today())
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn a_complete_thank_you() {
        let s = Submission::parse(&thanks(), today()).unwrap();
        assert_eq!(s.kind, FeedbackKind::Thanks);
        assert_eq!(s.rep.unwrap().as_str(), "maria");
        assert!(s.consent_publish);
        assert_eq!(s.display, Display::First);
        assert_eq!(s.channel, Some(Channel::Phone));
    }

    #[test]
    fn a_minimal_thank_you_is_anonymous_and_private() {
        let f = SubmissionFields {
            kind: "thanks".into(),
            body: "Thanks".into(),
            ..Default::default()
        };
        let s = Submission::parse(&f, today()).unwrap();
        assert!(!s.consent_publish && s.display == Display::Anonymous);
        assert!(s.rep.is_none() && s.customer_name.is_none() && s.customer_email.is_none());
    }

    #[test]
    fn each_bad_field_is_named() {
        type Case = (fn(&mut SubmissionFields), &'static [&'static str]);
        let cases: Vec<Case> = vec![
            (|f| f.kind = "praise".into(), &["kind"]),
            (|f| f.rep = "<script>".into(), &["rep"]),
            (
                |f| f.customer_name = "Pat\r\nBcc: x@y.z".into(),
                &["customer_name"],
            ),
            (|f| f.customer_email = "pat@".into(), &["customer_email"]),
            (|f| f.body = "".into(), &["body"]),
            (|f| f.body = "x".repeat(5001), &["body"]),
            (|f| f.body = "hi\u{0}".into(), &["body"]),
            (|f| f.display = "nickname".into(), &["display"]),
            (|f| f.display = "".into(), &["display"]),
            (
                |f| f.interaction_date = "2027-01-01".into(),
                &["interaction_date"],
            ),
            (
                |f| f.interaction_date = "20/11/2026".into(),
                &["interaction_date"],
            ),
            (|f| f.channel = "fax".into(), &["channel"]),
            (|f| f.customer_name = "".into(), &["customer_name"]),
            (|f| f.team = "care\n".repeat(40), &["team"]),
        ];
        for (change, want) in cases {
            let mut f = thanks();
            change(&mut f);
            assert_eq!(fields_with_errors(f), *want);
        }
    }

    #[test]
    fn complaints_need_an_email_and_are_never_published() {
        let mut f = thanks();
        f.kind = "complaint".into();
        f.customer_email = "".into();
        assert_eq!(
            fields_with_errors(f.clone()),
            ["consent_publish", "customer_email"]
        );
        f.customer_email = "pat@example.com".into();
        f.consent_publish = Some(false);
        let s = Submission::parse(&f, today()).unwrap();
        assert!(!s.consent_publish);
    }
}
