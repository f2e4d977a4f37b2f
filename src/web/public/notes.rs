//! The customer's form: `GET /feedback/new`, `GET /to/HANDLE` (the same form for one rep)
//! and `POST /feedback`, which stores the note and answers 303 to its receipt.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::AppState;
use crate::db;
use crate::domain::{Channel, Display, NoteKind, PersonName, Submission, SubmissionFields};
use crate::error::{AppError, FieldError};
use crate::store::intake::{self, Accepted, IntakeContext, Outcome};
use crate::store::staff::{self, RepProfile};
use crate::store::teams;
use crate::web::extract::ClientIp;
use crate::web::public::reps::{self, Named};
use crate::web::{forms, see_other};

#[derive(Debug, Deserialize)]
pub struct NewQuery {
    kind: Option<String>,
    rep: Option<String>,
}

/// The posted form, kept as typed so it can be shown again with its errors.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct NoteForm {
    #[serde(default)]
    pub kind: String,
    /// A handle, or a name (or part of one) to search for.
    #[serde(default)]
    pub rep: String,
    /// The person chosen among several whose names matched `rep`.
    #[serde(default)]
    pub rep_choice: String,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub customer_name: String,
    #[serde(default)]
    pub customer_email: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub consent_publish: String,
    #[serde(default)]
    pub display: String,
    #[serde(default)]
    pub interaction_date: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default, skip_serializing)]
    pub website: String,
    #[serde(default, skip_serializing)]
    pub form_token: String,
}

impl NoteForm {
    fn fields(&self) -> SubmissionFields {
        SubmissionFields {
            kind: self.kind.clone(),
            rep: self.rep.clone(),
            team: self.team.clone(),
            customer_name: self.customer_name.clone(),
            customer_email: self.customer_email.clone(),
            body: self.body.clone(),
            consent_publish: Some(matches!(
                self.consent_publish.as_str(),
                "on" | "true" | "yes"
            )),
            display: self.display.clone(),
            interaction_date: self.interaction_date.clone(),
            channel: self.channel.clone(),
        }
    }
}

fn kind_or_thanks(text: Option<&str>) -> Result<NoteKind, AppError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(NoteKind::Thanks),
        Some(t) => NoteKind::parse(t)
            .map_err(|_| AppError::BadRequest("kind must be thanks or complaint.".into())),
    }
}

/// How the customer may be named in public, as the form offers it: each choice with the
/// name it would show, from the name typed (`app.js` keeps it current as they type).
fn displays(typed_name: &str) -> Vec<serde_json::Value> {
    let name = PersonName::parse(typed_name).ok();
    Display::ALL
        .iter()
        .map(|d| {
            let label = match d {
                Display::Full => "My full name",
                Display::First => "My first name and initial",
                Display::Anonymous => "Just \u{201c}A customer\u{201d}",
            };
            let shown = match (d, &name) {
                (Display::Anonymous, _) | (_, None) => String::new(),
                (d, Some(name)) => d.public_name(Some(name)),
            };
            json!({"value": d.as_str(), "label": label, "shown": shown})
        })
        .collect()
}

async fn render(
    state: &AppState,
    kind: NoteKind,
    (rep, choices): (Option<RepProfile>, &[RepProfile]),
    form: &NoteForm,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let teams = if rep.is_none() {
        db::run(&state.pool, |c| Ok(teams::list_active(c)?)).await?
    } else {
        Vec::new()
    };
    let mut ctx = tera::Context::new();
    ctx.insert("kind", kind.as_str());
    ctx.insert("rep", &rep);
    ctx.insert("choices", choices);
    ctx.insert(
        "search_link",
        &crate::web::with_query("/reps", &[("kind", kind.as_str()), ("q", form.rep.trim())]),
    );
    ctx.insert(
        "teams",
        &teams
            .iter()
            .map(|t| json!({"slug": t.slug, "name": t.name}))
            .collect::<Vec<_>>(),
    );
    ctx.insert("form", form);
    ctx.insert("form_token", &forms::form_token(state));
    ctx.insert("displays", &displays(&form.customer_name));
    ctx.insert(
        "channels",
        &Channel::ALL
            .iter()
            .map(|c| json!({"value": c.as_str(), "label": c.label()}))
            .collect::<Vec<_>>(),
    );
    forms::insert_errors(&mut ctx, errors);
    forms::page_with_status("public/note_form.html", &ctx, status)
}

/// Someone customers can thank (as the search offers them), by handle.
async fn profile(state: &AppState, handle: &str) -> Result<Option<RepProfile>, AppError> {
    let handle = handle.trim().to_lowercase();
    if crate::domain::Handle::parse(&handle).is_err() {
        return Ok(None);
    }
    db::run(&state.pool, move |c| Ok(staff::thankable(c, &handle)?)).await
}

/// `GET /feedback/new?kind=thanks|complaint&rep=HANDLE`
pub async fn new(
    state: web::Data<AppState>,
    query: web::Query<NewQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let kind = kind_or_thanks(query.kind.as_deref())?;
    let rep = match query.rep.as_deref().filter(|r| !r.trim().is_empty()) {
        Some(handle) => Some(profile(&state, handle).await?.ok_or(AppError::NotFound)?),
        None => None,
    };
    let form = NoteForm {
        kind: kind.as_str().into(),
        display: Display::First.as_str().into(),
        ..NoteForm::default()
    };
    render(&state, kind, (rep, &[]), &form, &[], StatusCode::OK).await
}

/// `GET /to/HANDLE`: a rep's personal page, the form with them filled in.
pub async fn personal(
    state: web::Data<AppState>,
    handle: web::Path<String>,
    query: web::Query<NewQuery>,
) -> Result<HttpResponse, AppError> {
    let kind = kind_or_thanks(query.kind.as_deref())?;
    let rep = profile(&state, &handle).await?.ok_or(AppError::NotFound)?;
    let form = NoteForm {
        kind: kind.as_str().into(),
        rep: rep.handle.clone(),
        display: Display::First.as_str().into(),
        ..NoteForm::default()
    };
    render(&state, kind, (Some(rep), &[]), &form, &[], StatusCode::OK).await
}

/// Stores a note through the one intake both the form and the API use, and wakes the mail
/// worker for the emails it queued.
pub async fn accept(
    state: &web::Data<AppState>,
    submission: Submission,
    client: Option<String>,
    form_nonce: Option<(String, chrono::NaiveDateTime)>,
    idempotency_key: Option<String>,
) -> Result<Accepted, AppError> {
    let worker_state = state.clone();
    let accepted = db::run(&state.pool, move |c| {
        let ctx = IntakeContext {
            secret: &worker_state.secret_key,
            base_url: &worker_state.settings.base_url,
            client,
            form_nonce,
        };
        Ok(intake::accept(
            c,
            &ctx,
            &submission,
            idempotency_key.as_deref(),
        )?)
    })
    .await?;
    state.mail_wakeup.notify_one();
    Ok(accepted)
}

/// Off to the receipt; or, for a repeat of a note already stored, its reference (never its
/// private link).
fn answer(note: Accepted) -> Result<HttpResponse, AppError> {
    if let Some(token) = note.receipt_token {
        return Ok(see_other(&format!("/receipt/{token}?sent=1")));
    }
    let receipt_resent = matches!(
        note.outcome,
        Outcome::Repeat {
            receipt_resent: true
        }
    );
    let mut ctx = tera::Context::new();
    ctx.insert("reference", &note.reference);
    ctx.insert("receipt_resent", &receipt_resent);
    forms::page_with_status("public/duplicate.html", &ctx, StatusCode::OK)
}

/// Who the form names: the person chosen among several matches, else the text typed (a
/// handle or a name); with the error to show when that is not one person.
async fn named(
    state: &AppState,
    form: &mut NoteForm,
) -> Result<(Option<RepProfile>, Vec<RepProfile>, Option<FieldError>), AppError> {
    let text = if form.rep_choice.trim().is_empty() {
        form.rep.trim().to_owned()
    } else {
        form.rep_choice.trim().to_owned()
    };
    Ok(match reps::resolve(state, &text).await? {
        Named::Nobody | Named::Unlisted => (None, Vec::new(), None),
        Named::One(rep) => {
            form.rep = rep.handle.clone();
            (Some(rep), Vec::new(), None)
        }
        Named::Several(choices) => {
            let error = FieldError::new(
                "rep",
                format!(
                    "{} people match \u{201c}{text}\u{201d}: choose the one who helped you.",
                    choices.len()
                ),
            );
            (None, choices, Some(error))
        }
        Named::NoMatch => {
            let error = FieldError::new(
                "rep",
                format!(
                    "We couldn't find anyone called \u{201c}{text}\u{201d}. Check the spelling, \
                     or search for them by name."
                ),
            );
            (None, Vec::new(), Some(error))
        }
    })
}

/// `POST /feedback`
pub async fn create(
    state: web::Data<AppState>,
    ip: ClientIp,
    form: web::Form<NoteForm>,
) -> Result<HttpResponse, AppError> {
    forms::rate_limit(&state, ip).await?;
    let mut form = form.into_inner();
    let kind = NoteKind::parse(&form.kind).unwrap_or(NoteKind::Thanks);
    let (rep, choices, rep_error) = named(&state, &mut form).await?;
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let nonce = match forms::check_human(&state, &form.form_token, &form.website) {
        Ok(nonce) => nonce,
        Err(error) => {
            let errors: Vec<FieldError> = rep_error.into_iter().chain([error]).collect();
            let who = (rep, choices.as_slice());
            return render(&state, kind, who, &form, &errors, unprocessable).await;
        }
    };
    let today = chrono::Utc::now().date_naive();
    let mut fields = form.fields();
    if rep_error.is_some() {
        // The name typed is not (yet) one person: check the rest of the form meanwhile.
        fields.rep.clear();
    }
    let parsed = Submission::parse(&fields, today);
    let submission = match (parsed, rep_error) {
        (Ok(s), None) => s,
        (parsed, rep_error) => {
            let errors: Vec<FieldError> = rep_error
                .into_iter()
                .chain(parsed.err().into_iter().flatten())
                .collect();
            let who = (rep, choices.as_slice());
            return render(&state, kind, who, &form, &errors, unprocessable).await;
        }
    };
    let form_nonce = Some((nonce.nonce, nonce.expires_at));
    match accept(&state, submission, None, form_nonce, None).await {
        Ok(note) => answer(note),
        Err(AppError::Invalid(errors)) => {
            // A handle that names no one: show the search field again.
            let rep = rep.filter(|_| !errors.iter().any(|e| e.field == "rep"));
            render(&state, kind, (rep, &[]), &form, &errors, unprocessable).await
        }
        Err(other) => Err(other),
    }
}
