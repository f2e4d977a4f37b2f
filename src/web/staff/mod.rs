//! Pages for signed-in staff. Every handler takes a `Staff`, `Manager` or `Admin`
//! (`web::extract`), so none can run without a valid session and the right role, and checks
//! its scope on the server.

pub mod audit;
pub mod brand;
pub mod cases;
pub mod charts;
pub mod done;
pub mod erasure;
pub mod exports;
pub mod inbox;
pub mod login;
pub mod me;
pub mod moderation;
pub mod outbox;
pub mod password;
pub mod people;
pub mod people_import;
pub mod people_managers;
pub mod photo;
pub mod portfolio;
pub mod settings;
pub mod stats;
pub mod teams;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde_json::json;

use crate::app::AppState;
use crate::db::{self, DbConn, write_tx};
use crate::error::AppError;
use crate::store::audit::Actor;
use crate::web::extract::{ClientIp, Viewer};

/// Runs one staff change in a write transaction together with its audit entry (who, what,
/// when, from which address), so no change goes unrecorded.
pub async fn audited<T: Send + 'static>(
    state: &AppState,
    viewer: &Viewer,
    action: &'static str,
    subject: String,
    change: impl FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    audited_as(state, viewer.actor(), viewer.ip, action, subject, change).await
}

/// [`audited`] for someone not (yet) signed in: signing in, setting a password.
pub async fn audited_as<T: Send + 'static>(
    state: &AppState,
    actor: Actor,
    ip: ClientIp,
    action: &'static str,
    subject: String,
    change: impl FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    let ip = ip.text();
    db::run(&state.pool, move |c| {
        write_tx(c, |c| {
            let out = change(c)?;
            crate::store::audit::record(c, &actor, action, Some(&subject), None, ip.as_deref())?;
            Ok(out)
        })
    })
    .await
}

/// The name of the viewer's team, if they have one.
pub async fn team_name(state: &AppState, viewer: &Viewer) -> Result<Option<String>, AppError> {
    let Some(team) = viewer.staff.team_id.clone() else {
        return Ok(None);
    };
    let name = db::run(&state.pool, move |c| {
        Ok(crate::store::teams::find(c, &team)?.name)
    });
    Ok(Some(name.await?))
}

/// [`page`] with a status other than 200 (a form with errors answers 422).
pub fn page_with_status(
    template: &str,
    ctx: tera::Context,
    viewer: &Viewer,
    section: &str,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let mut res = page(template, ctx, viewer, None, section)?;
    *res.status_mut() = status;
    Ok(res)
}

/// Renders a staff page with the viewer, their CSRF token and the current section.
pub fn page(
    template: &str,
    mut ctx: tera::Context,
    viewer: &Viewer,
    team: Option<String>,
    section: &str,
) -> Result<HttpResponse, AppError> {
    ctx.insert(
        "viewer",
        &json!({
            "name": viewer.staff.name,
            "role": viewer.role.as_str(),
            "handle": viewer.staff.handle,
            "public_naming": viewer.staff.public_naming,
            "photo": viewer.staff.photo,
            "initials": crate::store::staff::initials(&viewer.staff.name),
            "team": team,
        }),
    );
    ctx.insert("csrf", &viewer.csrf);
    ctx.insert("section", section);
    ctx.insert("done", &viewer.done.map(done::Done::message));
    let html = crate::templates::render(template, &ctx)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(html))
}
