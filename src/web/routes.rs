//! Every URL Heard answers, in one place, by area: public pages, the customer's receipt, the
//! wall, signing in, staff pages and the JSON API (whose paths and methods come from its
//! OpenAPI document, so the two cannot disagree). Each URL answers the methods listed for it;
//! a `GET` answers `HEAD` too (the same status and headers, no body), and any other method
//! gets 405 with an `Allow` header naming the ones it does answer. Unknown URLs are 404.

use actix_web::dev::Handler;
use actix_web::http::Method;
use actix_web::middleware::from_fn;
use actix_web::{FromRequest, HttpResponse, Resource, Responder, Route, guard, web};
use utoipa::OpenApi;
use utoipa::openapi::path::{HttpMethod, PathItem};

use super::{api, assets, caching, errors, public, staff};
use crate::error::AppError;

/// One URL and the methods it answers.
pub struct At {
    path: String,
    resource: Resource,
    allow: Vec<&'static str>,
    shows_wall: bool,
}

fn at(path: &str) -> At {
    At {
        path: path.to_owned(),
        resource: web::resource(path),
        allow: Vec::new(),
        shows_wall: false,
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

    /// The method an API operation is documented with.
    fn on<F, Args>(self, method: &HttpMethod, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let (method, name) = match method {
            HttpMethod::Get => return self.get(handler),
            HttpMethod::Post => (Method::POST, "POST"),
            HttpMethod::Put => (Method::PUT, "PUT"),
            HttpMethod::Delete => (Method::DELETE, "DELETE"),
            HttpMethod::Options => (Method::OPTIONS, "OPTIONS"),
            HttpMethod::Head => (Method::HEAD, "HEAD"),
            HttpMethod::Patch => (Method::PATCH, "PATCH"),
            HttpMethod::Trace => (Method::TRACE, "TRACE"),
        };
        self.with(web::route().method(method).to(handler), &[name])
    }

    /// Request data (an extractor's configuration) for this URL alone.
    fn data<U: 'static>(mut self, data: U) -> Self {
        self.resource = self.resource.app_data(data);
        self
    }

    /// What this URL shows is (part of) the wall: a client whose copy is current gets 304,
    /// and a 200 carries the validators (`web::caching`).
    fn wall(mut self) -> Self {
        self.shows_wall = true;
        self
    }

    /// Adds the URL, with a 405 (and `Allow`) for every method it does not answer.
    fn register(self, cfg: &mut web::ServiceConfig) {
        let allow = self.allow.join(", ");
        let resource = self.resource.default_service(web::to(move || {
            let allow = allow.clone();
            async move { Err::<HttpResponse, _>(AppError::MethodNotAllowed(allow)) }
        }));
        if self.shows_wall {
            cfg.service(resource.wrap(from_fn(caching::wall_validators)));
        } else {
            cfg.service(resource);
        }
    }
}

/// `GET /metrics`, where it is served (see `HEARD_METRICS`).
pub fn metrics(cfg: &mut web::ServiceConfig) {
    at("/metrics").get(super::metrics::show).register(cfg);
}

fn register(cfg: &mut web::ServiceConfig, urls: Vec<At>) {
    for url in urls {
        url.register(cfg);
    }
}

/// Every URL that signs someone in or out or serves signed-in staff, with the methods it
/// answers (`HEAD` aside): the list the permission test walks.
pub fn staff_urls() -> Vec<(String, Vec<&'static str>)> {
    let scoped = staff_pages()
        .into_iter()
        .map(|at| (format!("/staff{}", at.path), at.allow));
    let sign_in = sign_in().into_iter().map(|at| (at.path, at.allow));
    sign_in
        .chain(scoped)
        .map(|(path, allow)| (path, allow.into_iter().filter(|m| *m != "HEAD").collect()))
        .collect()
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(public_pages)
        .service(web::scope("/receipt/{token}").configure(receipt))
        .configure(wall)
        .configure(|cfg| register(cfg, sign_in()))
        .service(web::scope("/staff").configure(|cfg| register(cfg, staff_pages())))
        .service(web::scope("/api").configure(api_operations))
        .default_service(web::to(errors::not_found));
}

fn public_pages(cfg: &mut web::ServiceConfig) {
    use public::{health, home, notes, reps};
    at("/").get(home::show).register(cfg);
    at("/healthz").get(health::check).register(cfg);
    at("/static/{file}").get(assets::serve).register(cfg);
    at("/pictures/{id}")
        .get(super::pictures::serve)
        .register(cfg);
    at("/brand/style.css")
        .get(super::brand::stylesheet)
        .register(cfg);
    at("/feedback/new").get(notes::new).register(cfg);
    at("/feedback").post(notes::create).register(cfg);
    at("/to/{handle}").get(notes::personal).register(cfg);
    at("/to/{handle}/qr.svg").get(reps::qr).register(cfg);
    at("/to/{handle}/card").get(reps::card).register(cfg);
    at("/reps").get(reps::search).register(cfg);
}

/// `/receipt/TOKEN…`: the customer's private page and what they can do there.
fn receipt(cfg: &mut web::ServiceConfig) {
    use public::receipt;
    at("").get(receipt::show).register(cfg);
    at("/export.json").get(receipt::export).register(cfg);
    at("/withdraw").post(receipt::withdraw).register(cfg);
    at("/consent").post(receipt::consent).register(cfg);
    at("/erase").post(receipt::erase).register(cfg);
    at("/rotate").post(receipt::rotate).register(cfg);
}

fn wall(cfg: &mut web::ServiceConfig) {
    use public::wall;
    cfg.service(web::scope("/wall").configure(|cfg| {
        at("").get(wall::wall).wall().register(cfg);
        at("/feed.atom").get(wall::feed).wall().register(cfg);
        at("/about")
            .get(super::public::wall_about::show)
            .register(cfg);
        at("/{handle}").get(wall::rep).wall().register(cfg);
    }));
    at("/stories/{id}").get(wall::story).wall().register(cfg);
    at("/embed/wall").get(wall::embed).wall().register(cfg);
}

/// Setting up, signing in and out, and choosing a password.
fn sign_in() -> Vec<At> {
    use staff::{login, password};
    vec![
        at("/setup")
            .get(public::setup::show)
            .post(public::setup::create),
        at("/login").get(login::show).post(login::submit),
        at("/logout").post(login::logout),
        at("/invite/{token}")
            .get(password::show)
            .post(password::submit),
        at("/password/forgot")
            .get(password::forgot_show)
            .post(password::forgot_submit),
        at("/password/reset/{token}")
            .get(password::show)
            .post(password::submit),
    ]
}

/// `/staff…`, for signed-in staff (each handler says which roles).
fn staff_pages() -> Vec<At> {
    use staff::*;
    vec![
        at("").get(inbox::list),
        at("/notes/{id}").get(inbox::show),
        at("/notes/{id}/read").post(inbox::mark),
        at("/notes/{id}/case").post(cases::act),
        at("/cases").get(cases::list),
        at("/stats").get(stats::show),
        at("/erasure").get(erasure::show).post(erasure::submit),
        at("/portfolio").get(portfolio::mine),
        at("/portfolio/{handle}").get(portfolio::of_rep),
        at("/export/notes.csv").get(exports::notes),
        at("/export/cases.csv").get(exports::cases),
        at("/outbox").get(outbox::list),
        at("/outbox/{id}/retry").post(outbox::retry),
        at("/settings").get(settings::show).post(settings::update),
        at("/brand")
            .get(brand::show)
            .post(brand::update)
            // 32 KB of CSS, form-encoded, may take three times that or more.
            .data(crate::web::errors::form_config_up_to(256 * 1024)),
        at("/brand/logo").post(brand::upload_logo),
        at("/brand/logo/remove").post(brand::remove_logo),
        at("/me").get(me::show),
        at("/me/naming").post(me::naming),
        at("/me/password").post(me::change_password),
        at("/me/photo").post(photo::upload),
        at("/me/photo/remove").post(photo::remove),
        at("/audit").get(audit::list),
        at("/queue").get(moderation::queue),
        at("/stories/{id}").get(moderation::show),
        at("/stories/{id}/{decision:publish|decline|unpublish}").post(moderation::act),
        at("/people").get(people::list).post(people::create),
        at("/people/import")
            .get(people_import::show)
            .post(people_import::submit)
            // The preview carries an uploaded file's text (up to its limit), form-encoded.
            .data(crate::web::errors::form_config_up_to(
                4 * people_import::UPLOAD_LIMIT,
            )),
        at("/people/import/file").post(people_import::upload),
        at("/people/{id}").get(people::edit).post(people::update),
        at("/people/{id}/invite").post(people::invite),
        at("/people/{id}/active").post(people::set_active),
        at("/teams").get(teams::list).post(teams::create),
        at("/teams/{id}").get(teams::edit).post(teams::update),
        at("/teams/{id}/active").post(teams::set_active),
    ]
}

/// `/api…`: the OpenAPI document, and every operation it lists.
fn api_operations(cfg: &mut web::ServiceConfig) {
    at("/openapi.json")
        .get(api::openapi::document)
        .register(cfg);
    let mut routes = ApiRoutes::new("/api", api::openapi::ApiDoc::openapi());
    api::openapi::ApiDoc::serve(&mut routes);
    for missing in &routes.missing {
        tracing::error!(
            operation = missing,
            "an API operation is not in its document"
        );
    }
    for at in routes.ats {
        at.register(cfg);
    }
}

/// The API's URLs, each at the path and method the OpenAPI document gives its operation.
pub struct ApiRoutes {
    prefix: &'static str,
    doc: utoipa::openapi::OpenApi,
    ats: Vec<At>,
    /// Operations asked for that the document does not have (none, as a test checks).
    pub missing: Vec<&'static str>,
}

impl ApiRoutes {
    fn new(prefix: &'static str, doc: utoipa::openapi::OpenApi) -> Self {
        Self {
            prefix,
            doc,
            ats: Vec::new(),
            missing: Vec::new(),
        }
    }

    /// Serves `handler` where the document puts the operation `operation_id`. An operation
    /// documented to answer 304 shows the wall, and gets its validators.
    pub fn serve<F, Args>(&mut self, operation_id: &'static str, handler: F)
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let found = self.doc.paths.paths.iter().find_map(|(path, item)| {
            methods(item)
                .into_iter()
                .find(|(_, op)| op.operation_id.as_deref() == Some(operation_id))
                .map(|(method, op)| {
                    (
                        path.clone(),
                        method,
                        op.responses.responses.contains_key("304"),
                    )
                })
        });
        let Some((path, method, conditional)) = found else {
            self.missing.push(operation_id);
            return;
        };
        let local = path.strip_prefix(self.prefix).unwrap_or(&path).to_owned();
        let index = match self.ats.iter().position(|a| a.path == local) {
            Some(index) => index,
            None => {
                self.ats.push(at(&local));
                self.ats.len() - 1
            }
        };
        let mut served = self.ats.remove(index).on(&method, handler);
        if conditional {
            served = served.wall();
        }
        self.ats.insert(index, served);
    }
}

/// The operations of a path, by method.
fn methods(item: &PathItem) -> Vec<(HttpMethod, &utoipa::openapi::path::Operation)> {
    [
        (HttpMethod::Get, &item.get),
        (HttpMethod::Put, &item.put),
        (HttpMethod::Post, &item.post),
        (HttpMethod::Delete, &item.delete),
        (HttpMethod::Options, &item.options),
        (HttpMethod::Head, &item.head),
        (HttpMethod::Patch, &item.patch),
        (HttpMethod::Trace, &item.trace),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.as_ref().map(|op| (method, op)))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_operation_is_served_where_its_document_says() {
        let doc = api::openapi::ApiDoc::openapi();
        let mut ids: Vec<_> = doc
            .paths
            .paths
            .values()
            .flat_map(|item| {
                methods(item)
                    .into_iter()
                    .map(|(_, op)| op.operation_id.clone())
            })
            .collect();
        let documented = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(
            ids.len(),
            documented,
            "operation ids name one operation each"
        );
        let mut routes = ApiRoutes::new("/api", doc);
        api::openapi::ApiDoc::serve(&mut routes);
        assert!(routes.missing.is_empty(), "{:?}", routes.missing);
        let served: usize = routes.ats.iter().map(|a| a.allow.len()).sum::<usize>()
            - routes
                .ats
                .iter()
                .filter(|a| a.allow.contains(&"HEAD"))
                .count();
        assert_eq!(served, documented);
        let stories = routes.ats.iter().find(|a| a.path == "/v1/stories");
        assert!(
            stories.is_some_and(|a| a.shows_wall),
            "the stories answer 304"
        );
        let note = routes.ats.iter().find(|a| a.path == "/v1/feedback");
        assert!(note.is_some_and(|a| !a.shows_wall && a.allow == ["POST"]));
    }
}
