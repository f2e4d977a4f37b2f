//! The printable recognition portfolio: a rep's own (`/staff/portfolio`), or, for their
//! manager or an admin, one rep's in scope (`/staff/portfolio/HANDLE`).

use actix_web::{HttpResponse, web};

use super::page;
use crate::app::AppState;
use crate::db;
use crate::error::AppError;
use crate::store::inbox::{self, Scope};
use crate::store::{portfolio, staff};
use crate::web::extract::{Staff, Viewer};

async fn render(
    state: &AppState,
    viewer: &Viewer,
    handle: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (person, role) = (viewer.staff.clone(), viewer.role);
    let view = db::run(&state.pool, move |c| {
        let rep = match handle {
            None => person.clone(),
            Some(h) => staff::find_by_handle(c, &h)?.ok_or(AppError::NotFound)?,
        };
        let visible = match inbox::scope(c, &person, role)? {
            Scope::All => true,
            Scope::Own(me, _) => rep.id == me,
            Scope::Teams(me, teams) => {
                rep.id == me || rep.team_id.as_ref().is_some_and(|t| teams.contains(t))
            }
        };
        if !visible {
            return Err(AppError::NotFound);
        }
        Ok(portfolio::of(c, &rep)?)
    })
    .await?;
    let mut ctx = tera::Context::new();
    ctx.insert("portfolio", &view);
    page("staff/portfolio.html", ctx, viewer, None, "stats")
}

pub async fn mine(state: web::Data<AppState>, viewer: Staff) -> Result<HttpResponse, AppError> {
    render(&state, &viewer, None).await
}

pub async fn of_rep(
    state: web::Data<AppState>,
    viewer: Staff,
    handle: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    render(&state, &viewer, Some(handle.into_inner())).await
}
