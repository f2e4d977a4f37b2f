//! `/wall/about`: how stories reach the wall (consent, naming, what moderators may change),
//! and per team, this year's thank-you notes and published stories, with complaints
//! acknowledged in time where the organisation chose to show them. No one is ranked.

use actix_web::{HttpResponse, web};
use chrono::{Datelike, NaiveDate};

use crate::app::AppState;
use crate::db;
use crate::error::AppError;
use crate::store::{settings, wall_record};

pub async fn show(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let today = crate::store::now().date();
    let year = today.year();
    let since = NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no first of January")))?;
    let (teams, response_times, due_hours) = db::run(&state.pool, move |c| {
        let shown = settings::number(c, settings::WALL_RESPONSE_TIMES)? != 0;
        let due_hours = settings::number(c, settings::COMPLAINT_DUE_HOURS)?;
        Ok((wall_record::by_team(c, since, shown)?, shown, due_hours))
    })
    .await?;
    let total = |f: fn(&wall_record::TeamRecord) -> i64| teams.iter().map(f).sum::<i64>();
    let mut ctx = tera::Context::new();
    ctx.insert("year", &year);
    ctx.insert("teams", &teams);
    ctx.insert("thanks", &total(|t| t.thanks));
    ctx.insert("published", &total(|t| t.published));
    ctx.insert("response_times", &response_times);
    ctx.insert("due_hours", &due_hours);
    crate::web::page("public/wall_about.html", &ctx)
}
