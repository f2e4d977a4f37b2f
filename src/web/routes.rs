//! Every URL Heard answers, in one place. Each URL answers the methods listed for it; a `GET`
//! answers `HEAD` too (the same status and headers, no body), and any other method gets 405
//! with an `Allow` header naming the ones it does answer. Unknown URLs are 404.

use actix_web::dev::Handler;
use actix_web::{FromRequest, HttpResponse, Resource, Responder, Route, guard, web};

use super::{api, assets, errors, public, staff};
use crate::error::AppError;

/// One URL and the methods it answers.
struct At {
    resource: Resource,
    allow: Vec<&'static str>,
}

fn at(path: &str) -> At {
    At {
        resource: web::resource(path),
        allow: Vec::new(),
    }
}

impl At {
    fn with(mut self, route: Route, methods: &[&'static str]) -> Self {
        self.resource = self.resource.route(route);
        self.allow.extend_from_slice(methods);
        self
    }

    /// `GET`, and `HEAD` by the same handler (actix-http sends a HEAD response's headers,
    /// `Content-Length` included, without its body).
    fn get<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let route = web::route()
            .guard(guard::Any(guard::Get()).or(guard::Head()))
            .to(handler);
        self.with(route, &["GET", "HEAD"])
    }

    fn post<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.with(web::post().to(handler), &["POST"])
    }

    /// Adds the URL, with a 405 (and `Allow`) for every method it does not answer.
    fn register(self, cfg: &mut web::ServiceConfig) {
        let allow = self.allow.join(", ");
        cfg.service(self.resource.default_service(web::to(move || {
            let allow = allow.clone();
            async move { Err::<HttpResponse, _>(AppError::MethodNotAllowed(allow)) }
        })));
    }
}

/// `GET /metrics`, where it is served (see `HEARD_METRICS`).
pub fn metrics(cfg: &mut web::ServiceConfig) {
    at("/metrics").get(super::metrics::show).register(cfg);
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    at("/").get(public::home::show).register(cfg);
    at("/healthz").get(public::health::check).register(cfg);
    at("/setup")
        .get(public::setup::show)
        .post(public::setup::create)
        .register(cfg);
    at("/feedback/new").get(public::feedback::new).register(cfg);
    at("/feedback").post(public::feedback::create).register(cfg);
    at("/to/{handle}")
        .get(public::feedback::personal)
        .register(cfg);
    at("/to/{handle}/qr.svg")
        .get(public::reps::qr)
        .register(cfg);
    at("/to/{handle}/card")
        .get(public::reps::card)
        .register(cfg);
    at("/reps").get(public::reps::search).register(cfg);
    at("/receipt/{token}")
        .get(public::receipt::show)
        .register(cfg);
    at("/receipt/{token}/export.json")
        .get(public::receipt::export)
        .register(cfg);
    at("/receipt/{token}/withdraw")
        .post(public::receipt::withdraw)
        .register(cfg);
    at("/receipt/{token}/erase")
        .post(public::receipt::erase)
        .register(cfg);
    at("/receipt/{token}/rotate")
        .post(public::receipt::rotate)
        .register(cfg);
    at("/static/{file}").get(assets::serve).register(cfg);
    at("/login")
        .get(staff::login::show)
        .post(staff::login::submit)
        .register(cfg);
    at("/logout").post(staff::login::logout).register(cfg);
    at("/invite/{token}")
        .get(staff::password::invite_show)
        .post(staff::password::invite_submit)
        .register(cfg);
    at("/password/forgot")
        .get(staff::password::forgot_show)
        .post(staff::password::forgot_submit)
        .register(cfg);
    at("/password/reset/{token}")
        .get(staff::password::reset_show)
        .post(staff::password::reset_submit)
        .register(cfg);
    at("/staff").get(staff::inbox::list).register(cfg);
    at("/staff/notes/{id}")
        .get(staff::inbox::show)
        .register(cfg);
    at("/staff/notes/{id}/read")
        .post(staff::inbox::mark)
        .register(cfg);
    at("/staff/notes/{id}/case")
        .post(staff::cases::act)
        .register(cfg);
    at("/staff/cases").get(staff::cases::list).register(cfg);
    at("/staff/stats").get(staff::stats::show).register(cfg);
    at("/staff/erasure")
        .get(staff::erasure::show)
        .post(staff::erasure::submit)
        .register(cfg);
    at("/staff/portfolio")
        .get(staff::portfolio::mine)
        .register(cfg);
    at("/staff/portfolio/{handle}")
        .get(staff::portfolio::of_rep)
        .register(cfg);
    at("/staff/export/notes.csv")
        .get(staff::exports::notes)
        .register(cfg);
    at("/staff/export/cases.csv")
        .get(staff::exports::cases)
        .register(cfg);
    at("/staff/outbox").get(staff::outbox::list).register(cfg);
    at("/staff/settings")
        .get(staff::settings::show)
        .post(staff::settings::update)
        .register(cfg);
    at("/staff/outbox/{id}/retry")
        .post(staff::outbox::retry)
        .register(cfg);
    at("/staff/me").get(staff::me::show).register(cfg);
    at("/staff/audit").get(staff::audit::list).register(cfg);
    at("/staff/queue")
        .get(staff::moderation::queue)
        .register(cfg);
    at("/staff/stories/{id}")
        .get(staff::moderation::show)
        .register(cfg);
    at("/staff/stories/{id}/publish")
        .post(staff::moderation::publish)
        .register(cfg);
    at("/staff/stories/{id}/decline")
        .post(staff::moderation::decline)
        .register(cfg);
    at("/staff/stories/{id}/unpublish")
        .post(staff::moderation::unpublish)
        .register(cfg);
    at("/staff/people")
        .get(staff::people::list)
        .post(staff::people::create)
        .register(cfg);
    at("/staff/people/import")
        .get(staff::people::import_form)
        .post(staff::people::import)
        .register(cfg);
    at("/staff/people/{id}")
        .get(staff::people::edit)
        .post(staff::people::update)
        .register(cfg);
    at("/staff/people/{id}/invite")
        .post(staff::people::invite)
        .register(cfg);
    at("/staff/people/{id}/active")
        .post(staff::people::set_active)
        .register(cfg);
    at("/staff/teams")
        .get(staff::teams::list)
        .post(staff::teams::create)
        .register(cfg);
    at("/staff/teams/{id}")
        .get(staff::teams::edit)
        .post(staff::teams::update)
        .register(cfg);
    at("/staff/teams/{id}/active")
        .post(staff::teams::set_active)
        .register(cfg);
    at("/staff/me/naming").post(staff::me::naming).register(cfg);
    at("/api/openapi.json")
        .get(api::openapi::document)
        .register(cfg);
    at("/api/v1/feedback")
        .post(api::feedback::create)
        .register(cfg);
    at("/api/v1/reps").get(api::reps::search).register(cfg);
    at("/api/v1/stories").get(api::stories::list).register(cfg);
    at("/api/v1/stories/{id}")
        .get(api::stories::one)
        .register(cfg);
    at("/wall").get(public::wall::wall).register(cfg);
    at("/wall/feed.atom").get(public::wall::feed).register(cfg);
    at("/wall/{handle}").get(public::wall::rep).register(cfg);
    at("/stories/{id}").get(public::wall::story).register(cfg);
    at("/embed/wall").get(public::wall::embed).register(cfg);
    cfg.default_service(web::to(errors::not_found));
}
