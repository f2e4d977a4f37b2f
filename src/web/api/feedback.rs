//! `POST /api/v1/feedback`: the same intake as the form, for integrations (chat widgets,
//! ticket systems). `Idempotency-Key` makes a retry from the same client return the first
//! result for a day; the same note again within minutes gets its reference only.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::db;
use crate::domain::{Submission, SubmissionFields};
use crate::error::{AppError, FieldError};
use crate::store::intake::{self, IntakeContext, Outcome};
use crate::web::forms;

/// The customer, as they gave themselves.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CustomerIn {
    /// Their name (optional for a thank-you; required to be named on the wall).
    pub name: Option<String>,
    /// Required for a complaint; for a thank-you, it brings a receipt with a private link.
    #[schema(format = "email")]
    pub email: Option<String>,
}

/// Whether and how the note may be published.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ConsentIn {
    /// May a manager publish this thank-you on the wall? Must be false for a complaint.
    pub publish: Option<bool>,
    /// How to name the customer in public: `full`, `first` (first name and initial) or `anonymous`.
    #[schema(example = "first")]
    pub display: Option<String>,
}

/// A note from a customer.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewFeedback {
    /// `thanks` or `complaint`.
    #[schema(example = "thanks")]
    pub kind: Option<String>,
    /// The handle of the rep being thanked (from their personal link), if known.
    #[schema(example = "maria")]
    pub rep_handle: Option<String>,
    /// A team slug, when the customer does not know the rep's name.
    pub team: Option<String>,
    #[serde(default)]
    pub customer: CustomerIn,
    /// The customer's words, up to 5,000 characters.
    pub body: Option<String>,
    #[serde(default)]
    pub consent: ConsentIn,
    /// When they were helped, `YYYY-MM-DD`.
    #[schema(format = "date", example = "2026-11-20")]
    pub interaction_date: Option<String>,
    /// `phone`, `chat`, `email`, `in_person` or `other`.
    pub channel: Option<String>,
}

/// The stored note.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackCreated {
    pub id: String,
    /// The human reference the customer can quote, like `H-7K3P9`.
    #[schema(example = "H-7K3P9")]
    pub reference: String,
    /// `received` or `awaiting_moderation`.
    pub status: String,
    /// The customer's private page for this note.
    pub receipt_url: String,
}

/// The same note was stored a moment ago: it is not stored twice. Only its reference is
/// given; its private link went to the address the note carries.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackRepeated {
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
    request_body = NewFeedback,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key from the same client within 24 hours return the first result instead of storing a duplicate.")),
    responses(
        (status = 201, description = "Stored; its emails are queued (or, with `Idempotent-Replayed: true`, the first result for this key)", body = FeedbackCreated),
        (status = 200, description = "The same note arrived moments ago and is not stored twice", body = FeedbackRepeated),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields are invalid, or the Idempotency-Key was used for a different request; nothing was stored", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<NewFeedback>,
) -> Result<HttpResponse, AppError> {
    forms::rate_limit(&req, &state).await?;
    let key = idempotency_key(&req)?;
    let client = crate::web::abuse::client_ip(&req, &state.settings.trusted_proxies)
        .map(|ip| crate::domain::throttle::client_of(ip).to_string());
    let input = body.into_inner();
    let fields = SubmissionFields {
        kind: input.kind.unwrap_or_default(),
        rep: input.rep_handle.unwrap_or_default(),
        team: input.team.unwrap_or_default(),
        customer_name: input.customer.name.unwrap_or_default(),
        customer_email: input.customer.email.unwrap_or_default(),
        body: input.body.unwrap_or_default(),
        consent_publish: input.consent.publish,
        display: input.consent.display.unwrap_or_default(),
        interaction_date: input.interaction_date.unwrap_or_default(),
        channel: input.channel.unwrap_or_default(),
    };
    let submission = Submission::parse(&fields, chrono::Utc::now().date_naive()).map_err(rename)?;
    let worker_state = state.clone();
    let note = db::run(&state.pool, move |c| {
        let ctx = IntakeContext {
            secret: &worker_state.secret_key,
            base_url: &worker_state.settings.base_url,
            client,
            form_nonce: None,
        };
        intake::accept(c, &ctx, &submission, key.as_deref())
    })
    .await
    .map_err(|e| match e {
        AppError::Invalid(errors) => rename(errors),
        other => other,
    })?;
    state.mail_wakeup.notify_one();
    let Some(token) = note.receipt_token else {
        return Ok(HttpResponse::Ok().json(FeedbackRepeated {
            reference: note.reference,
            duplicate: true,
            receipt_resent: matches!(
                note.outcome,
                Outcome::Repeat {
                    receipt_resent: true
                }
            ),
        }));
    };
    let receipt_url = format!("{}/receipt/{token}", state.settings.base_url);
    let mut res = HttpResponse::Created();
    if note.outcome == Outcome::Replayed {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    res.insert_header(("Location", receipt_url.clone()));
    Ok(res.json(FeedbackCreated {
        id: note.id.to_string(),
        reference: note.reference,
        status: note.status,
        receipt_url,
    }))
}
