//! Pages for signed-in staff. Every handler takes a [`Viewer`], so none can run without a
//! valid session, and checks its role or scope on the server.

pub mod audit;
pub mod inbox;
pub mod login;
pub mod me;
pub mod password;
pub mod people;
pub mod teams;

use actix_web::HttpResponse;
use serde_json::json;

use crate::error::AppError;
use crate::web::session::Viewer;

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
