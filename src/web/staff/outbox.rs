//! The email outbox, for admins: every email with its status, attempts and the mail
//! server's last answer; counts by status; a dead email can be sent again.

use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::{audited, page};
use crate::app::AppState;
use crate::db;
use crate::db::ids::OutboxId;
use crate::domain::Role;
use crate::error::AppError;
use crate::store::outbox;
use crate::web::session::Viewer;

const PAGE: i64 = 100;
const STATUSES: [&str; 3] = ["pending", "sent", "dead"];

#[derive(Debug, Default, Deserialize)]
pub struct OutboxQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    before: String,
}

pub async fn list(
    state: web::Data<AppState>,
    viewer: Viewer,
    query: web::Query<OutboxQuery>,
) -> Result<HttpResponse, AppError> {
    viewer.require(&[Role::Admin])?;
    let status = STATUSES
        .iter()
        .find(|s| **s == query.status)
        .map(|s| s.to_string());
    let before = OutboxId::parse(&query.before);
    let filter = status.clone();
    let (counts, rows) = db::run(&state.pool, move |c| {
        Ok((
            outbox::counts(c)?,
            outbox::list(c, filter.as_deref(), before.as_ref(), PAGE)?,
        ))
    })
    .await?;
    let count = |s: &str| counts.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
    let next = (rows.len() as i64 == PAGE).then(|| {
        let last = rows.last().map(|r| r.id.to_string()).unwrap_or_default();
        match &status {
            Some(s) => format!("/staff/outbox?status={s}&before={last}"),
            None => format!("/staff/outbox?before={last}"),
        }
    });
    let emails: Vec<_> = rows
        .iter()
        .map(|r| {
            json!({
                "id": r.id.to_string(),
                "template": r.template.replace('_', " "),
                "recipient": r.recipient,
                "subject": r.subject,
                "status": r.status,
                "attempts": r.attempts,
                "last_error": r.last_error,
                "created": r.created_at.format("%-d %b %Y %H:%M").to_string(),
                "when": match (&r.sent_at, r.status.as_str()) {
                    (Some(at), _) => format!("sent {}", at.format("%-d %b %H:%M")),
                    (None, "pending") => format!("next try {}", r.next_attempt_at.format("%-d %b %H:%M")),
                    _ => String::new(),
                },
            })
        })
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert(
        "counts",
        &json!({"pending": count("pending"), "sent": count("sent"), "dead": count("dead")}),
    );
    ctx.insert("status", &status);
    ctx.insert("emails", &emails);
    ctx.insert("next", &next);
    ctx.insert("mailer", &state.settings.smtp_url.is_some());
    page("staff/outbox.html", ctx, &viewer, None, "outbox")
}

#[derive(Debug, Default, Deserialize)]
pub struct RetryForm {
    #[serde(default)]
    csrf: String,
}

pub async fn retry(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    form: web::Form<RetryForm>,
) -> Result<HttpResponse, AppError> {
    viewer.check_csrf(&state, &form.csrf)?;
    viewer.require(&[Role::Admin])?;
    let id = OutboxId::parse(&id).ok_or(AppError::NotFound)?;
    let target = id.clone();
    audited(
        &req,
        &state,
        &viewer,
        "email.retry",
        id.to_string(),
        move |c| {
            if outbox::retry_dead(c, &target, crate::store::now())? {
                Ok(())
            } else {
                Err(AppError::Conflict(
                    "Only an email that could not be delivered can be sent again.".into(),
                ))
            }
        },
    )
    .await?;
    state.mail_wakeup.notify_one();
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, "/staff/outbox?status=dead"))
        .finish())
}
