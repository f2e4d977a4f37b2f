//! The email outbox, for admins: every email with its status, attempts and the mail
//! server's last answer; counts by status; a dead email can be sent again.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{audited, page};
use crate::app::AppState;
use crate::db;
use crate::db::ids::OutboxId;
use crate::domain::OutboxStatus;
use crate::error::AppError;
use crate::store::outbox::{self, Listed};
use crate::web::extract::{Admin, CsrfForm, CsrfOnly, PathId};

const PAGE: i64 = 100;

#[derive(Debug, Default, Deserialize)]
pub struct OutboxQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    before: String,
}

/// The query string of the outbox's next page.
#[derive(Serialize)]
struct NextPage<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    before: String,
}

/// One email as the page shows it.
fn row(r: &Listed) -> serde_json::Value {
    json!({
        "id": r.id.to_string(),
        "template": r.template.replace('_', " "),
        "recipient": r.recipient,
        "subject": r.subject,
        "status": r.status,
        "attempts": r.attempts,
        "last_error": r.last_error,
        "created": r.created_at.format("%-d %b %Y %H:%M").to_string(),
        "when": match (&r.sent_at, r.status) {
            (Some(at), _) => format!("sent {}", at.format("%-d %b %H:%M")),
            (None, OutboxStatus::Pending) => format!("next try {}", r.next_attempt_at.format("%-d %b %H:%M")),
            _ => String::new(),
        },
    })
}

pub async fn list(
    state: web::Data<AppState>,
    viewer: Admin,
    query: web::Query<OutboxQuery>,
) -> Result<HttpResponse, AppError> {
    let status = OutboxStatus::ALL
        .iter()
        .copied()
        .find(|s| s.as_str() == query.status);
    let before = OutboxId::parse(&query.before);
    let (counts, rows) = db::run(&state.pool, move |c| {
        Ok((
            outbox::counts(c)?,
            outbox::list(c, status, before.as_ref(), PAGE)?,
        ))
    })
    .await?;
    let count = |s: OutboxStatus| counts.iter().find(|(k, _)| *k == s).map_or(0, |(_, n)| *n);
    let next = (rows.len() as i64 == PAGE).then(|| {
        let page = NextPage {
            status: status.map(OutboxStatus::as_str),
            before: rows.last().map(|r| r.id.to_string()).unwrap_or_default(),
        };
        crate::web::with_query("/staff/outbox", &page)
    });
    let mut ctx = tera::Context::new();
    let counts: serde_json::Map<String, serde_json::Value> = OutboxStatus::ALL
        .iter()
        .map(|s| (s.to_string(), json!(count(*s))))
        .collect();
    ctx.insert("counts", &counts);
    ctx.insert("status", &status);
    ctx.insert("emails", &rows.iter().map(row).collect::<Vec<_>>());
    ctx.insert("next", &next);
    ctx.insert("mailer", &state.settings.smtp_url.is_some());
    page("staff/outbox.html", ctx, &viewer, None, "outbox")
}

/// The token and the role are both checked before this runs.
pub async fn retry(
    state: web::Data<AppState>,
    _form: CsrfForm<CsrfOnly>,
    viewer: Admin,
    id: PathId<OutboxId>,
) -> Result<HttpResponse, AppError> {
    let target = id.0.clone();
    audited(&state, &viewer, "email.retry", id.to_string(), move |c| {
        if outbox::retry_dead(c, &target, crate::store::now())? {
            Ok(())
        } else {
            Err(AppError::Conflict(
                "Only an email that could not be delivered can be sent again.".into(),
            ))
        }
    })
    .await?;
    state.mail_wakeup.notify_one();
    Ok(super::done::see_other(
        "/staff/outbox?status=dead",
        super::done::Done::Retried,
    ))
}
