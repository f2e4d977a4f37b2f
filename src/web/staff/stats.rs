//! Recognition stats: a rep's own, a manager's teams', everything for admins (or one team,
//! within what the viewer may see). Charts are server-drawn SVG with a table beside each.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::charts;
use super::page;
use crate::app::AppState;
use crate::db::ids::TeamId;
use crate::db::{self, DbConn};
use crate::domain::Role;
use crate::error::AppError;
use crate::store::inbox::{self, Scope};
use crate::store::settings;
use crate::store::stats::{self, Subject};
use crate::web::extract::Staff;

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

/// The teams a viewer may narrow the stats to: (id, name).
fn teams_in(c: &mut DbConn, scope: &Scope) -> Result<Vec<(String, String)>, AppError> {
    let visible = |id: &TeamId| match scope {
        Scope::Own(..) => false,
        Scope::Teams(_, ids) => ids.contains(id),
        Scope::All => true,
    };
    if matches!(scope, Scope::Own(..)) {
        return Ok(Vec::new());
    }
    Ok(crate::store::teams::list(c)?
        .into_iter()
        .filter(|t| visible(&t.id))
        .map(|t| (t.id.to_string(), t.name))
        .collect())
}

pub async fn show(
    state: web::Data<AppState>,
    viewer: Staff,
    query: web::Query<StatsQuery>,
) -> Result<HttpResponse, AppError> {
    let (person, role, team) = (viewer.staff.clone(), viewer.role, query.team.clone());
    let (stats, teams) = db::run(&state.pool, move |c| {
        let scope = inbox::scope(c, &person, role)?;
        let subject = narrowed(&scope, &team)?;
        let ranking = role != Role::Rep && settings::number(c, settings::LEADERBOARD)? != 0;
        let stats = stats::compute(c, &subject, crate::store::now(), ranking)?;
        Ok((stats, teams_in(c, &scope)?))
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
