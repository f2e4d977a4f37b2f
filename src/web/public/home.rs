//! `GET /`: the start page with its two paths, "Thank someone" and "Something went wrong",
//! and the latest published stories.

use actix_web::{HttpResponse, web};

use crate::app::AppState;
use crate::db;
use crate::error::AppError;
use crate::store::stories;

pub async fn show(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let recent = db::run(&state.pool, |c| Ok(stories::recent_published(c, 3)?)).await?;
    let mut ctx = tera::Context::new();
    ctx.insert("stories", &recent);
    crate::web::page("public/home.html", &ctx)
}
