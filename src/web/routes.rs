//! Every URL Heard answers, in one place.

use actix_web::web;

use super::{assets, errors, public};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(public::home::show))
        .route("/healthz", web::get().to(public::health::check))
        .route("/setup", web::get().to(public::setup::show))
        .route("/setup", web::post().to(public::setup::create))
        .route("/static/{file}", web::get().to(assets::serve))
        .default_service(web::to(errors::not_found));
}
