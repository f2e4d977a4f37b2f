//! `POST /api/v1/feedback`: the same intake as the form, for integrations (chat widgets,
//! ticket systems). `Idempotency-Key` makes a retry from the same client return the first
//! result for a day; the same note again within minutes gets its reference only.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::domain::{NoteBody, Submission, SubmissionFields};
use crate::error::{AppError, FieldError};
use crate::store::intake::{Accepted, Outcome};
use crate::web::extract::ClientIp;
use crate::web::forms;
use crate::web::public::notes::accept;

/// `thanks` or `complaint` (documentation only: the handler reads text, so that a bad value
/// is reported against its field).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum Kind {
    Thanks,
    Complaint,
}

/// How to name the customer in public: `full`, `first` (first name and initial) or `anonymous`.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum DisplayAs {
    Full,
    First,
    Anonymous,
}

/// How the customer and the rep were in touch.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum Channel {
    Phone,
    Chat,
    Email,
    InPerson,
    Other,
}

/// What a note's status is once stored.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum NoteStatus {
    Received,
    AwaitingModeration,
}

/// The customer, as they gave themselves. Leave out (or send null) what is not known: a
/// blank string is an error.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CustomerIn {
    /// Their name, on one line (optional for a thank-you; required to be named on the wall).
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F\u200B\u200C\u200E\u200F\u202A-\u202E\u2060-\u206F\uFEFF]*\S[^\x00-\x1F\x7F-\x9F\u200B\u200C\u200E\u200F\u202A-\u202E\u2060-\u206F\uFEFF]*$",
        example = "Pat Doe"
    )]
    pub name: Option<String>,
    /// Required for a complaint; for a thank-you, it brings a receipt with a private link.
    #[schema(
        min_length = 3,
        max_length = 254,
        pattern = r"^\s*[^@\s]+@[^@\s]+\.[^@\s]+\s*$",
        example = "pat@example.com"
    )]
    pub email: Option<String>,
}

/// Whether and how the note may be published.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ConsentIn {
    /// May a manager publish this thank-you on the wall? Must not be true for a complaint.
    pub publish: Option<bool>,
    /// How to name the customer in public; required when `publish` is true.
    #[schema(value_type = Option<DisplayAs>, example = "first")]
    pub display: Option<String>,
}

/// A note from a customer. Besides each field's own rules: a complaint needs
/// `customer.email` and cannot be published; a thank-you to be published needs
/// `consent.display`, and a `customer.name` unless shown as `anonymous`; `rep_handle` and
/// `team` must name someone (or a team) here. Breaking any of them is a 422 naming the field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(as = NewFeedback)]
pub struct NewNote {
    #[schema(value_type = Kind, required = true, example = "thanks")]
    pub kind: Option<String>,
    /// The handle of the rep being thanked (from their personal link), if known: letters,
    /// digits and single hyphens, starting with a letter.
    #[schema(
        min_length = 2,
        max_length = 32,
        pattern = r"^[A-Za-z](-?[A-Za-z0-9])*$",
        example = "maria"
    )]
    pub rep_handle: Option<String>,
    /// A team slug, when the customer does not know the rep's name.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub team: Option<String>,
    #[serde(default, deserialize_with = "object")]
    pub customer: CustomerIn,
    /// The customer's words: up to 5,000 characters, line breaks kept; not blank, and no
    /// control or invisible formatting characters.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 5000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u200B\u200C\u200E\u200F\u202A-\u202E\u2060-\u206F\uFEFF]*[^\s\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u200B\u200C\u200E\u200F\u202A-\u202E\u2060-\u206F\uFEFF][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u200B\u200C\u200E\u200F\u202A-\u202E\u2060-\u206F\uFEFF]*$",
        example = "Maria found the fault in minutes.")]
    pub body: Option<String>,
    #[serde(default, deserialize_with = "object")]
    pub consent: ConsentIn,
    /// When they were helped, `YYYY-MM-DD`: not in the future, nor more than three years ago.
    #[schema(format = "date", example = "2026-11-20")]
    pub interaction_date: Option<String>,
    #[schema(value_type = Option<Channel>)]
    pub channel: Option<String>,
}

/// A JSON object, and only an object: serde would otherwise take `[a, b]` for a struct.
fn object<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let map = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
    T::deserialize(serde_json::Value::Object(map)).map_err(serde::de::Error::custom)
}

/// The stored note.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FeedbackCreated)]
pub struct NoteCreated {
    pub id: String,
    /// The human reference the customer can quote, like `H-7K3P9`.
    #[schema(example = "H-7K3P9")]
    pub reference: String,
    #[schema(value_type = NoteStatus)]
    pub status: String,
    /// The customer's private page for this note.
    pub receipt_url: String,
}

/// The same note was stored a moment ago: it is not stored twice. Only its reference is
/// given; its private link went to the address the note carries.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FeedbackRepeated)]
pub struct NoteRepeated {
    #[schema(example = "H-7K3P9")]
    pub reference: String,
    /// Always true.
    pub duplicate: bool,
    /// Whether the receipt was emailed again to the note's address (at most once an hour).
    pub receipt_resent: bool,
}

/// One problem with one field of the request.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field, as named in the request (`customer.email`), or `body` for the whole body.
    pub field: String,
    pub message: String,
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// A stable machine-readable code, like `invalid_input`.
    pub code: String,
    pub instance: String,
    pub request_id: String,
    /// With `invalid_input`: each field and what is wrong with it.
    pub errors: Option<Vec<FieldProblem>>,
}

/// The API's names for the fields the domain reports on.
fn api_field(field: &str) -> &str {
    match field {
        "rep" => "rep_handle",
        "customer_name" => "customer.name",
        "customer_email" => "customer.email",
        "consent_publish" => "consent.publish",
        "display" => "consent.display",
        other => other,
    }
}

fn rename(errors: Vec<FieldError>) -> AppError {
    AppError::Invalid(
        errors
            .into_iter()
            .map(|e| FieldError::new(api_field(&e.field), e.message))
            .collect(),
    )
}

/// How a field's text must look in JSON. The document states it exactly and the API holds
/// to it: what the form forgives (padding, a blank for "not given") is an error here, so an
/// integration learns at once rather than having its values guessed at.
#[derive(Clone, Copy)]
struct Exact {
    field: &'static str,
    /// At most this many characters, counted as sent (before trimming or line-break folding).
    max_chars: Option<usize>,
    /// Whether spaces and line breaks around the value are allowed (and trimmed).
    padding: bool,
}

impl Exact {
    /// Free text: padding is trimmed, and the limit counts it.
    const fn text(field: &'static str, max_chars: usize) -> Self {
        Self {
            field,
            max_chars: Some(max_chars),
            padding: true,
        }
    }

    /// A single token (a choice, a date, a handle): sent exactly, with nothing around it.
    const fn word(field: &'static str) -> Self {
        Self {
            field,
            max_chars: None,
            padding: false,
        }
    }

    /// What is wrong with `text` as sent, if anything (blankness is the caller's to judge).
    fn problem(self, text: &str) -> Option<String> {
        match self.max_chars {
            Some(max) if text.chars().count() > max => {
                Some(format!("Keep this to {max} characters."))
            }
            _ if !self.padding && text.trim() != text => {
                Some("Remove the spaces or line breaks around this value.".into())
            }
            _ if !self.padding && !text.is_ascii() => Some("Use ASCII characters only.".into()),
            _ => None,
        }
    }

    /// A required field's text: its problems are reported; a blank one is the domain's to name.
    fn required(self, value: Option<String>, errors: &mut Vec<FieldError>) -> String {
        let text = value.unwrap_or_default();
        if let Some(message) = self.problem(&text) {
            errors.push(FieldError::new(self.field, message));
        }
        text
    }

    /// An optional field's text. A field that is present must say something: a blank one is
    /// an error (leave it out, or send null), so the API never guesses what "" meant.
    fn optional(self, value: Option<String>, errors: &mut Vec<FieldError>) -> String {
        let Some(text) = value else {
            return String::new();
        };
        let problem = if text.trim().is_empty() {
            Some("Leave this out (or send null) rather than blank.".into())
        } else {
            self.problem(&text)
        };
        match problem {
            Some(message) => {
                errors.push(FieldError::new(self.field, message));
                String::new()
            }
            None => text,
        }
    }
}

const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(value) = req.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key) if (1..=200).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(key.to_owned()))
        }
        _ => Err(AppError::Invalid(vec![FieldError::new(
            IDEMPOTENCY_KEY,
            "Use 1 to 200 visible ASCII characters, such as a UUID.",
        )])),
    }
}

/// Accept a thank-you or a complaint.
#[utoipa::path(
    post,
    path = "/api/v1/feedback",
    tag = "feedback",
    request_body = NewNote,
    params(("Idempotency-Key" = Option<String>, Header, max_length = 200, min_length = 1, pattern = r"^[!-~]+$",
        description = "1 to 200 visible ASCII characters, such as a UUID. Retries with the same key from the same client within 24 hours return the first result instead of storing a duplicate.")),
    responses(
        (status = 200, description = "The same note arrived moments ago and is not stored twice: its reference only (its private link goes again to the note's own address, at most once an hour)", body = NoteRepeated),
        (status = 201, description = "Stored; its emails are queued (or, with `Idempotent-Replayed: true`, the first result for this key from this client)", body = NoteCreated,
            headers(("Location" = String, description = "The receipt page"), ("Idempotent-Replayed" = String, description = "`true` when this is the first result again"))),
        (status = 400, description = "The body could not be read (too large for JSON, or broken)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The request is too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields are invalid (each is named in `errors`), or the Idempotency-Key is malformed or was used for a different note; nothing was stored", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    ip: ClientIp,
    body: web::Json<serde_json::Map<String, serde_json::Value>>,
) -> Result<HttpResponse, AppError> {
    forms::rate_limit(&state, ip).await?;
    let key = idempotency_key(&req)?;
    let client =
        ip.0.map(|ip| crate::domain::throttle::client_of(ip).to_string());
    let input: NewNote = serde_json::from_value(serde_json::Value::Object(body.into_inner()))
        .map_err(|e| {
            AppError::Invalid(vec![FieldError::new(
                "body",
                format!("The JSON could not be read: {e}"),
            )])
        })?;
    let submission = submission(input)?;
    let note = accept(&state, submission, client, None, key)
        .await
        .map_err(|e| match e {
            AppError::Invalid(errors) => rename(errors),
            other => other,
        })?;
    Ok(answer(&state, note))
}

/// The note the request describes, or every field to fix (named as the API names them).
fn submission(input: NewNote) -> Result<Submission, AppError> {
    let mut blank = Vec::new();
    let b = &mut blank;
    let fields = SubmissionFields {
        kind: Exact::word("kind").required(input.kind, b),
        rep: Exact::word("rep").optional(input.rep_handle, b),
        team: Exact::text("team", 100).optional(input.team, b),
        customer_name: Exact::text("customer_name", 100).optional(input.customer.name, b),
        customer_email: Exact::text("customer_email", 254).optional(input.customer.email, b),
        body: Exact::text("body", NoteBody::MAX_CHARS).required(input.body, b),
        consent_publish: input.consent.publish,
        display: Exact::word("display").optional(input.consent.display, b),
        interaction_date: Exact::word("interaction_date").optional(input.interaction_date, b),
        channel: Exact::word("channel").optional(input.channel, b),
    };
    match Submission::parse(&fields, chrono::Utc::now().date_naive()) {
        Ok(submission) if blank.is_empty() => Ok(submission),
        Ok(_) => Err(rename(blank)),
        Err(mut errors) => {
            errors.retain(|e| !blank.iter().any(|b| b.field == e.field));
            blank.extend(errors);
            Err(rename(blank))
        }
    }
}

/// 201 with the receipt's address; 200 with the reference alone for a repeat.
fn answer(state: &AppState, note: Accepted) -> HttpResponse {
    let Some(token) = note.receipt_token else {
        return HttpResponse::Ok().json(NoteRepeated {
            reference: note.reference,
            duplicate: true,
            receipt_resent: matches!(
                note.outcome,
                Outcome::Repeat {
                    receipt_resent: true
                }
            ),
        });
    };
    let receipt_url = format!("{}/receipt/{token}", state.settings.base_url);
    let mut res = HttpResponse::Created();
    if note.outcome == Outcome::Replayed {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    res.insert_header(("Location", receipt_url.clone()));
    res.json(NoteCreated {
        id: note.id.to_string(),
        reference: note.reference,
        status: note.status.to_string(),
        receipt_url,
    })
}
