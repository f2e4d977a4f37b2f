//! Builds the actix application (state, middleware, routes) and the HTTP server around it.
//! `heard serve` and the integration tests both start Heard through [`start`].

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};

use crate::config::{Metrics, Secret, Settings};
use crate::db::Pool;

/// Sign-in attempts one client may make per minute, whatever the accounts.
pub const LOGINS_PER_MINUTE: u32 = 20;

/// What every handler can reach.
pub struct AppState {
    pub pool: Pool,
    pub settings: Arc<Settings>,
    pub secret_key: Secret,
    /// Public POSTs per client and minute.
    pub rate_limiter: crate::web::abuse::Limiter,
    /// Sign-in attempts per client and minute (wrong passwords are throttled per account
    /// and client in the database, see `store::limits`).
    pub login_limiter: crate::web::abuse::Limiter,
    /// CSV exports being written now.
    pub exports: crate::web::staff::exports::ExportSlots,
    /// Wakes the mail worker as soon as new emails are queued.
    pub mail_wakeup: Arc<tokio::sync::Notify>,
    /// Set when a "forgot my password" request is queued here, so the worker looks for
    /// requests only then (and on its schedule, for other instances' requests).
    pub resets_waiting: Arc<std::sync::atomic::AtomicBool>,
    /// What the mail worker has done since start-up (for `/metrics`).
    pub mail_stats: Arc<crate::mail::stats::MailStats>,
    /// The organisation's brand, as last read.
    pub brand: crate::web::brand::BrandCache,
}

impl AppState {
    pub fn new(pool: Pool, settings: Arc<Settings>, secret_key: Secret) -> Self {
        use crate::web::abuse::Limiter;
        // Several instances share one PostgreSQL, so they share its counters too.
        let shared = matches!(settings.database, crate::db::DatabaseUrl::Postgres(_));
        Self {
            rate_limiter: Limiter::new("public", settings.rate_limit_per_minute, shared),
            login_limiter: Limiter::new("login", LOGINS_PER_MINUTE, shared),
            pool,
            settings,
            secret_key,
            exports: Default::default(),
            mail_wakeup: Arc::default(),
            resets_waiting: Arc::default(),
            mail_stats: Arc::default(),
            brand: Default::default(),
        }
    }
}

/// While no admin exists, a one-time link (valid 24 hours) that creates the first one.
pub fn setup_link(
    conn: &mut crate::db::DbConn,
    base_url: &str,
) -> diesel::QueryResult<Option<String>> {
    use crate::store::{staff, tokens};
    if staff::any_active_admin(conn)? {
        return Ok(None);
    }
    let token = tokens::create(
        conn,
        tokens::TokenKind::Setup,
        None,
        chrono::Duration::hours(24),
    )?;
    Ok(Some(format!("{base_url}/setup?token={token}")))
}

/// How many worker threads to run; tests use one.
#[derive(Debug, Clone, Copy)]
pub struct ServerOptions {
    pub workers: usize,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }
}

/// Starts serving on an already-bound listener; the returned server runs when awaited.
/// SIGINT and SIGTERM stop accepting connections and let in-flight requests finish.
pub fn start(
    state: AppState,
    listener: TcpListener,
    options: ServerOptions,
) -> std::io::Result<Server> {
    serve_app(web::Data::new(state), listener, options)
}

/// Like [`start`], for state shared with [`serve_metrics`].
pub fn serve_app(
    state: web::Data<AppState>,
    listener: TcpListener,
    options: ServerOptions,
) -> std::io::Result<Server> {
    let metrics_public = state.settings.metrics == Metrics::Public;
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(256 * 1024))
            .app_data(crate::web::errors::form_config())
            .app_data(crate::web::errors::json_config())
            .configure(|cfg| {
                if metrics_public {
                    crate::web::routes::metrics(cfg);
                }
            })
            .configure(crate::web::routes::configure)
            .wrap(ErrorHandlers::new().default_handler(crate::web::errors::render))
            .wrap(from_fn(crate::web::brand::with_brand))
            .wrap(from_fn(crate::web::origin::refuse_cross_site_posts))
            .wrap(from_fn(crate::web::middleware::security_headers))
            .wrap(Compress::default())
            .wrap(from_fn(crate::web::middleware::session_refresh))
            .wrap(from_fn(crate::web::middleware::request_id))
    })
    .workers(options.workers)
    .shutdown_timeout(30)
    .listen(listener)?
    .run();
    Ok(server)
}

/// `GET /metrics` alone, on a listener of its own (`HEARD_METRICS=host:port`), so it can be
/// kept off the public address: one worker, and 404 for every other URL.
pub fn serve_metrics(state: web::Data<AppState>, listener: TcpListener) -> std::io::Result<Server> {
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .configure(crate::web::routes::metrics)
            .default_service(web::to(crate::web::errors::not_found))
            .wrap(ErrorHandlers::new().default_handler(crate::web::errors::render))
            .wrap(from_fn(crate::web::middleware::security_headers))
            .wrap(from_fn(crate::web::middleware::request_id))
    })
    .workers(1)
    .shutdown_timeout(5)
    .listen(listener)?
    .run();
    Ok(server)
}
