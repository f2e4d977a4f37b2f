//! Every URL Heard answers, in one place.

use actix_web::web;

use super::{api, assets, errors, public, staff};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(public::home::show))
        .route("/healthz", web::get().to(public::health::check))
        .route("/metrics", web::get().to(super::metrics::show))
        .route("/setup", web::get().to(public::setup::show))
        .route("/setup", web::post().to(public::setup::create))
        .route("/feedback/new", web::get().to(public::feedback::new))
        .route("/feedback", web::post().to(public::feedback::create))
        .route("/to/{handle}", web::get().to(public::feedback::personal))
        .route("/to/{handle}/qr.svg", web::get().to(public::reps::qr))
        .route("/to/{handle}/card", web::get().to(public::reps::card))
        .route("/reps", web::get().to(public::reps::search))
        .route("/receipt/{token}", web::get().to(public::receipt::show))
        .route(
            "/receipt/{token}/export.json",
            web::get().to(public::receipt::export),
        )
        .route(
            "/receipt/{token}/withdraw",
            web::post().to(public::receipt::withdraw),
        )
        .route(
            "/receipt/{token}/erase",
            web::post().to(public::receipt::erase),
        )
        .route(
            "/receipt/{token}/rotate",
            web::post().to(public::receipt::rotate),
        )
        .route("/static/{file}", web::get().to(assets::serve))
        .route("/login", web::get().to(staff::login::show))
        .route("/login", web::post().to(staff::login::submit))
        .route("/logout", web::post().to(staff::login::logout))
        .route(
            "/invite/{token}",
            web::get().to(staff::password::invite_show),
        )
        .route(
            "/invite/{token}",
            web::post().to(staff::password::invite_submit),
        )
        .route(
            "/password/forgot",
            web::get().to(staff::password::forgot_show),
        )
        .route(
            "/password/forgot",
            web::post().to(staff::password::forgot_submit),
        )
        .route(
            "/password/reset/{token}",
            web::get().to(staff::password::reset_show),
        )
        .route(
            "/password/reset/{token}",
            web::post().to(staff::password::reset_submit),
        )
        .route("/staff", web::get().to(staff::inbox::list))
        .route("/staff/notes/{id}", web::get().to(staff::inbox::show))
        .route("/staff/notes/{id}/read", web::post().to(staff::inbox::mark))
        .route("/staff/notes/{id}/case", web::post().to(staff::cases::act))
        .route("/staff/cases", web::get().to(staff::cases::list))
        .route("/staff/stats", web::get().to(staff::stats::show))
        .route("/staff/erasure", web::get().to(staff::erasure::show))
        .route("/staff/erasure", web::post().to(staff::erasure::submit))
        .route("/staff/portfolio", web::get().to(staff::portfolio::mine))
        .route(
            "/staff/portfolio/{handle}",
            web::get().to(staff::portfolio::of_rep),
        )
        .route(
            "/staff/export/notes.csv",
            web::get().to(staff::exports::notes),
        )
        .route(
            "/staff/export/cases.csv",
            web::get().to(staff::exports::cases),
        )
        .route("/staff/outbox", web::get().to(staff::outbox::list))
        .route("/staff/settings", web::get().to(staff::settings::show))
        .route("/staff/settings", web::post().to(staff::settings::update))
        .route(
            "/staff/outbox/{id}/retry",
            web::post().to(staff::outbox::retry),
        )
        .route("/staff/me", web::get().to(staff::me::show))
        .route("/staff/audit", web::get().to(staff::audit::list))
        .route("/staff/queue", web::get().to(staff::moderation::queue))
        .route(
            "/staff/stories/{id}",
            web::get().to(staff::moderation::show),
        )
        .route(
            "/staff/stories/{id}/publish",
            web::post().to(staff::moderation::publish),
        )
        .route(
            "/staff/stories/{id}/decline",
            web::post().to(staff::moderation::decline),
        )
        .route(
            "/staff/stories/{id}/unpublish",
            web::post().to(staff::moderation::unpublish),
        )
        .route("/staff/people", web::get().to(staff::people::list))
        .route("/staff/people", web::post().to(staff::people::create))
        .route(
            "/staff/people/import",
            web::get().to(staff::people::import_form),
        )
        .route(
            "/staff/people/import",
            web::post().to(staff::people::import),
        )
        .route("/staff/people/{id}", web::get().to(staff::people::edit))
        .route("/staff/people/{id}", web::post().to(staff::people::update))
        .route(
            "/staff/people/{id}/invite",
            web::post().to(staff::people::invite),
        )
        .route(
            "/staff/people/{id}/active",
            web::post().to(staff::people::set_active),
        )
        .route("/staff/teams", web::get().to(staff::teams::list))
        .route("/staff/teams", web::post().to(staff::teams::create))
        .route("/staff/teams/{id}", web::get().to(staff::teams::edit))
        .route("/staff/teams/{id}", web::post().to(staff::teams::update))
        .route(
            "/staff/teams/{id}/active",
            web::post().to(staff::teams::set_active),
        )
        .route("/staff/me/naming", web::post().to(staff::me::naming))
        .route("/api/openapi.json", web::get().to(api::openapi::document))
        .route("/api/v1/feedback", web::post().to(api::feedback::create))
        .route("/api/v1/reps", web::get().to(api::reps::search))
        .route("/api/v1/stories", web::get().to(api::stories::list))
        .route("/api/v1/stories/{id}", web::get().to(api::stories::one))
        .route("/wall", web::get().to(public::wall::wall))
        .route("/wall/feed.atom", web::get().to(public::wall::feed))
        .route("/wall/{handle}", web::get().to(public::wall::rep))
        .route("/stories/{id}", web::get().to(public::wall::story))
        .route("/embed/wall", web::get().to(public::wall::embed))
        .default_service(web::to(errors::not_found));
}
