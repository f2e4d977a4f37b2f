//! CSV downloads for managers (their teams, or one of them) and admins: notes and cases.

use actix_web::{HttpRequest, HttpResponse, web};

use super::stats::{StatsQuery, narrowed};
use crate::app::AppState;
use crate::db;
use crate::domain::Role;
use crate::error::AppError;
use crate::store::{exports, inbox};
use crate::web::abuse::client_ip;
use crate::web::session::Viewer;

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
    let body = db::run(&state.pool, move |c| {
        let scope = inbox::scope(c, &person, role)?;
        let subject = narrowed(&scope, &team)?;
        let csv = match what {
            "notes" => exports::notes_csv(c, &subject)?,
            _ => exports::cases_csv(c, &subject)?,
        };
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
        Ok(csv)
    })
    .await?;
    let day = crate::store::now().format("%Y-%m-%d");
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"heard-{what}-{day}.csv\""),
        ))
        .body(body))
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
