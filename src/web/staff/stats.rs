//! Recognition stats: a rep's own, a manager's teams', everything for admins (or one team,
//! within what the viewer may see). Charts are server-drawn SVG with a table beside each.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::charts;
use super::page;
use crate::app::AppState;
use crate::db;
use crate::db::ids::TeamId;
use crate::domain::Role;
use crate::error::AppError;
use crate::store::inbox::{self, Scope};
use crate::store::settings;
use crate::store::stats::{self, Subject};
use crate::web::session::Viewer;

#[derive(Debug, Default, Deserialize)]
pub struct StatsQuery {
    #[serde(default)]
    pub team: String,
}

/// The subject a viewer asked for: their whole scope, or one team inside it.
pub fn narrowed(scope: &Scope, team: &str) -> Result<Subject, AppError> {
    if team.is_empty() {
        return Ok(Subject::of(scope));
    }
    let team = TeamId::parse(team).ok_or(AppError::NotFound)?;
    match scope {
        Scope::All => Ok(Subject::Teams(vec![team])),
        Scope::Teams(_, teams) if teams.contains(&team) => Ok(Subject::Teams(vec![team])),
        _ => Err(AppError::Denied(
            "You can only see the stats of your own teams.".into(),
        )),
    }
}

pub async fn show(
    state: web::Data<AppState>,
    viewer: Viewer,
    query: web::Query<StatsQuery>,
) -> Result<HttpResponse, AppError> {
    let (person, role, team) = (viewer.staff.clone(), viewer.role, query.team.clone());
    let (stats, teams) = db::run(&state.pool, move |c| {
        let scope = inbox::scope(c, &person, role)?;
        let subject = narrowed(&scope, &team)?;
        let ranking = role != Role::Rep && settings::number(c, settings::LEADERBOARD)? != 0;
        let stats = stats::compute(c, &subject, crate::store::now(), ranking)?;
        let teams: Vec<(String, String)> = match &scope {
            Scope::Own(..) => Vec::new(),
            Scope::Teams(_, ids) => crate::store::teams::list(c)?
                .into_iter()
                .filter(|t| ids.contains(&t.id))
                .map(|t| (t.id.to_string(), t.name))
                .collect(),
            Scope::All => crate::store::teams::list(c)?
                .into_iter()
                .map(|t| (t.id.to_string(), t.name))
                .collect(),
        };
        Ok((stats, teams))
    })
    .await?;
    let mut ctx = tera::Context::new();
    ctx.insert(
        "weekly",
        &charts::grouped(&stats.weeks, "The last 12 weeks"),
    );
    ctx.insert(
        "monthly",
        &charts::grouped(&stats.months, "The last 12 months"),
    );
    ctx.insert("stats", &stats);
    ctx.insert("teams", &teams);
    ctx.insert("team", &query.team);
    page("staff/stats.html", ctx, &viewer, None, "stats")
}
