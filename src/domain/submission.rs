//! A customer's note as submitted (by the form or the API), parsed into domain values with
//! every problem reported against its field.

use chrono::NaiveDate;

use super::FieldError;
use super::{Channel, Display, Email, Handle, NoteBody, NoteKind, PersonName};

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
    pub kind: NoteKind,
    pub rep: Option<Handle>,
    /// A team slug, for notes whose rep the customer could not name.
    pub team: Option<String>,
    pub customer_name: Option<PersonName>,
    pub customer_email: Option<Email>,
    pub body: NoteBody,
    pub consent_publish: bool,
    pub display: Display,
    pub interaction_date: Option<NaiveDate>,
    pub channel: Option<Channel>,
}

fn given(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|t| !t.is_empty())
}

/// Every problem found so far, by field, in the order the fields were read.
#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// An optional field: `None` when left empty, or when it does not parse (and then
    /// `message` says why, from the text given and the parser's refusal).
    fn optional<T, E>(
        &mut self,
        field: &str,
        text: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
        message: impl FnOnce(&str, E) -> String,
    ) -> Option<T> {
        let text = given(text)?;
        parse(text)
            .map_err(|e| self.add(field, message(text, e)))
            .ok()
    }
}

/// A team slug: short and on one line (whether such a team exists is the store's to say).
fn team_slug(text: &str) -> Result<String, ()> {
    if text.len() <= 100 && !text.chars().any(char::is_control) {
        Ok(text.to_lowercase())
    } else {
        Err(())
    }
}

/// When the customer was helped: a real date written `YYYY-MM-DD` (as date inputs send it;
/// the parser alone would take `2026-1-5` or `+2026-01-05`), not in the future, within three
/// years.
fn interaction_date(text: &str, today: NaiveDate) -> Result<NaiveDate, &'static str> {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    let parsed = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| shaped);
    match parsed.ok_or(()) {
        Ok(date) if date > today => Err("That date is in the future."),
        Ok(date) if (today - date).num_days() > 3 * 366 => {
            Err("That date is more than three years ago.")
        }
        Ok(date) => Ok(date),
        Err(()) => Err("Give the date as YYYY-MM-DD."),
    }
}

impl Submission {
    /// Parses every field; `today` bounds the interaction date.
    pub fn parse(f: &SubmissionFields, today: NaiveDate) -> Result<Self, Vec<FieldError>> {
        let mut p = Problems::default();
        let kind = NoteKind::parse(&f.kind)
            .map_err(|_| p.add("kind", "Choose whether this is a thank-you or a complaint."))
            .ok();
        let rep = p.optional("rep", &f.rep, Handle::parse, |text, _| {
            format!("We don't know anyone called {text:?} here.")
        });
        let team = p.optional("team", &f.team, team_slug, |_, ()| {
            "Choose a team from the list.".into()
        });
        let customer_name = p.optional(
            "customer_name",
            &f.customer_name,
            PersonName::parse,
            |_, e| e.0.replace("Name", "Your name"),
        );
        let customer_email =
            p.optional("customer_email", &f.customer_email, Email::parse, |_, e| {
                e.0
            });
        let body = NoteBody::parse(&f.body)
            .map_err(|e| p.add("body", e.0))
            .ok();
        let display = p.optional("display", &f.display, Display::parse, |_, _| {
            "Choose how you'd like to be named.".into()
        });
        let interaction_date = p.optional(
            "interaction_date",
            &f.interaction_date,
            |text| interaction_date(text, today),
            |_, why| why.into(),
        );
        let channel = p.optional("channel", &f.channel, Channel::parse, |_, _| {
            "Choose how you were in touch.".into()
        });
        let consent_publish = consent(f, kind, display, &mut p);
        match (kind, body) {
            (Some(kind), Some(body)) if p.0.is_empty() => Ok(Self {
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
            _ => Err(p.0),
        }
    }
}

/// Whether the note may be published, with what that needs: a complaint never is (and
/// needs an address to be answered at); a thank-you to be published needs to know how to
/// name its customer.
fn consent(
    f: &SubmissionFields,
    kind: Option<NoteKind>,
    display: Option<Display>,
    p: &mut Problems,
) -> bool {
    let consent = f.consent_publish.unwrap_or(false);
    match kind {
        Some(NoteKind::Complaint) => {
            if consent {
                p.add("consent_publish", "Complaints are never published.");
            }
            if given(&f.customer_email).is_none() {
                p.add(
                    "customer_email",
                    "Please give your email address so the manager can answer you.",
                );
            }
            false
        }
        Some(NoteKind::Thanks) => {
            if consent && given(&f.display).is_none() {
                p.add("display", "Choose how you'd like to be named on the wall.");
            }
            if consent
                && display.is_some_and(|d| d != Display::Anonymous)
                && given(&f.customer_name).is_none()
            {
                p.add(
                    "customer_name",
                    "Please give your name, or choose to appear as \"A customer\".",
                );
            }
            consent
        }
        None => consent,
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
        assert_eq!(s.kind, NoteKind::Thanks);
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
            (
                |f| f.interaction_date = "2026-1-5".into(),
                &["interaction_date"],
            ),
            (
                |f| f.interaction_date = "+2026-01-05".into(),
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
