//! `GET /`: the start page with its two paths, "Thank someone" and "Something went wrong".

use actix_web::{HttpResponse, web};

use crate::app::AppState;
use crate::error::AppError;

pub async fn show(_state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let mut ctx = tera::Context::new();
    // Published stories join the page once the wall exists (see the wall issue).
    ctx.insert("stories", &Vec::<()>::new());
    crate::web::page("public/home.html", &ctx)
}
