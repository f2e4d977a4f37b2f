//! Pages for signed-in staff. Every handler takes a [`Viewer`], so none can run without a
//! valid session, and checks its role or scope on the server.

pub mod audit;
pub mod cases;
pub mod charts;
pub mod erasure;
pub mod exports;
pub mod inbox;
pub mod login;
pub mod me;
pub mod moderation;
pub mod outbox;
pub mod password;
pub mod people;
pub mod portfolio;
pub mod settings;
pub mod stats;
pub mod teams;

use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;

use crate::app::AppState;
use crate::db::{self, DbConn, write_tx};
use crate::error::AppError;

use crate::web::abuse::client_ip;
use crate::web::session::Viewer;

/// Runs one staff change in a write transaction together with its audit entry (who, what,
/// when, from which address), so no change goes unrecorded.
pub async fn audited<T: Send + 'static>(
    req: &HttpRequest,
    state: &AppState,
    viewer: &Viewer,
    action: &'static str,
    subject: String,
    change: impl FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    let actor = viewer.actor();
    let ip = client_ip(req, &state.settings.trusted_proxies).map(|ip| ip.to_string());
    db::run(&state.pool, move |c| {
        write_tx(c, |c| {
            let out = change(c)?;
            crate::store::audit::record(c, &actor, action, Some(&subject), None, ip.as_deref())?;
            Ok(out)
        })
    })
    .await
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
            "team": team,
        }),
    );
    ctx.insert("csrf", &viewer.csrf);
    ctx.insert("section", section);
    let html = crate::templates::render(template, &ctx)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(html))
}
