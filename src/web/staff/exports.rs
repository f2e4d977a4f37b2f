//! CSV downloads for managers (their teams, or one of them) and admins: notes and cases,
//! streamed a batch at a time from a blocking thread, so memory stays flat at any size.

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use tokio::sync::mpsc;

use super::stats::{StatsQuery, narrowed};
use crate::app::AppState;
use crate::db;
use crate::domain::Role;
use crate::error::AppError;
use crate::store::{exports, inbox};
use crate::web::abuse::client_ip;
use crate::web::session::Viewer;

/// A response body fed by the thread that reads the database.
struct Streamed(mpsc::Receiver<Result<Bytes, AppError>>);

impl MessageBody for Streamed {
    type Error = AppError;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        self.0.poll_recv(cx)
    }
}

async fn export(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    team: String,
    what: &'static str,
) -> Result<HttpResponse, AppError> {
    viewer.require(&[Role::Manager, Role::Admin])?;
    let (person, role, actor) = (viewer.staff.clone(), viewer.role, viewer.actor());
    let ip = client_ip(&req, &state.settings.trusted_proxies).map(|ip| ip.to_string());
    // Refusals come before the first byte, as a proper 403.
    let subject = db::run(&state.pool, move |c| {
        let scope = inbox::scope(c, &person, role)?;
        let subject = narrowed(&scope, &team)?;
        // Who took a copy of customer data, and which.
        let detail = if team.is_empty() {
            "all in scope".to_owned()
        } else {
            format!("team {team}")
        };
        crate::store::audit::record(
            c,
            &actor,
            &format!("export.{what}"),
            None,
            Some(&detail),
            ip.as_deref(),
        )?;
        Ok(subject)
    })
    .await?;
    let (tx, rx) = mpsc::channel::<Result<Bytes, AppError>>(4);
    let pool = state.pool.clone();
    tokio::task::spawn_blocking(move || {
        let result = pool.get().map_err(AppError::from).and_then(|mut c| {
            let mut emit = |bytes: Vec<u8>| {
                tx.blocking_send(Ok(Bytes::from(bytes)))
                    .map_err(|_| AppError::BadRequest("the download was cancelled".into()))
            };
            match what {
                "notes" => exports::notes_csv(&mut c, &subject, &mut emit),
                _ => exports::cases_csv(&mut c, &subject, &mut emit),
            }
        });
        if let Err(e) = result {
            tracing::warn!(error = %format!("{e:#}"), "export stopped");
            let _ = tx.blocking_send(Err(e));
        }
    });
    let day = crate::store::now().format("%Y-%m-%d");
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"heard-{what}-{day}.csv\""),
        ))
        .body(Streamed(rx)))
}

pub async fn notes(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    query: web::Query<StatsQuery>,
) -> Result<HttpResponse, AppError> {
    export(req, state, viewer, query.into_inner().team, "notes").await
}

pub async fn cases(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    query: web::Query<StatsQuery>,
) -> Result<HttpResponse, AppError> {
    export(req, state, viewer, query.into_inner().team, "cases").await
}
