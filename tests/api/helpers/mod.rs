//! The test harness: a fresh database per test (SQLite, or PostgreSQL when
//! `HEARD_TEST_POSTGRES_URL` is set), the real app on 127.0.0.1:0, and a real SMTP server.
//! What tests do with it lives beside, one module per part of the product: `staff` (signing
//! in, CSRF), `notes` (sending a note, its receipt), `cases`, `stories`, `mail` (what was
//! queued or written), `builders` (test data, one line each), `routes` (the sign-in and staff
//! routes the app registers) and `snapshot` (the whole database, to show nothing changed).

pub mod builders;
pub mod cases;
pub mod mail;
pub mod notes;
pub mod routes;
pub mod snapshot;
pub mod staff;
pub mod stories;

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Once};

use diesel::{Connection, PgConnection, RunQueryDsl};
use heard::app::{AppState, ServerOptions};
use heard::cli::ConfigArgs;
use heard::config::{Metrics, Secret, Settings};
use heard::db::{DatabaseUrl, Pool, PooledConn};

use crate::smtp::SmtpServer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server to create test databases on, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("HEARD_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// Whether PostgreSQL variants can run; says so once, uncaptured, when they cannot.
pub fn postgres_available() -> bool {
    static NOTE: Once = Once::new();
    let available = postgres_url().is_some();
    // In CI a skipped PostgreSQL test would pass for a test that never ran: it fails instead.
    assert!(
        available || std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but HEARD_TEST_POSTGRES_URL is not set: the PostgreSQL tests cannot run"
    );
    if !available {
        NOTE.call_once(|| {
            let _ = writeln!(
                std::io::stderr(),
                "\nnote: HEARD_TEST_POSTGRES_URL is not set: the PostgreSQL variants of the \
                 integration tests are SKIPPED (they pass without running)\n"
            );
        });
    }
    available
}

/// Says why a test does not run here. Under `CI=true` it fails instead: a skipped test would
/// pass without having run.
/// A date `days` before today (UTC), as a form or the API takes it (`YYYY-MM-DD`): tests
/// date the help they describe relative to when they run, so none of them stops passing when
/// a fixed date drifts out of the three years the form accepts.
pub fn days_ago(days: i64) -> String {
    (chrono::Utc::now().date_naive() - chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

pub fn skip(test: &str, why: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{test}: {why}, and CI=true requires it"
    );
    let _ = writeln!(std::io::stderr(), "\nnote: {test}: {why}: SKIPPED\n");
}

/// A free port below Linux's ephemeral range (32768 and up), for a server that stops and
/// starts again on the same port: a port the kernel hands out for `bind(0)` could be taken
/// by another test in between.
pub fn port_outside_the_ephemeral_range() -> u16 {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..1000)
        .map(|_| rng.random_range(20_000..32_000))
        .find(|port| TcpListener::bind(("127.0.0.1", *port)).is_ok())
        .expect("a free port between 20000 and 32000")
}

/// The full path of `program` on `PATH`, as `command -v` finds it.
pub fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// Runs an async test body once per backend: `backend_tests!(name, ...)` expects
/// `async fn name(backend: Backend)` in the same module.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                if $crate::helpers::postgres_available() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            }
        }
    )*};
}

/// Like `backend_tests!` for blocking tests (`fn name(backend: Backend)`).
#[macro_export]
macro_rules! backend_tests_blocking {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite)
            }
            #[test]
            fn postgres() {
                if $crate::helpers::postgres_available() {
                    super::$name($crate::helpers::Backend::Postgres)
                }
            }
        }
    )*};
}

/// A database of its own for one test, removed afterwards.
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
    pg_admin: Option<(String, String)>,
}

impl TestDb {
    pub fn new(backend: Backend) -> Self {
        static TLS: Once = Once::new();
        TLS.call_once(heard::init_tls);
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("heard.db").display());
                Self {
                    url,
                    dir,
                    pg_admin: None,
                }
            }
            Backend::Postgres => {
                let admin = postgres_url().expect("HEARD_TEST_POSTGRES_URL");
                let name = format!("heard_test_{}", uuid::Uuid::now_v7().simple());
                let mut conn = PgConnection::establish(&admin).expect("connect to PostgreSQL");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .expect("create test database");
                let (base, query) = admin.split_once('?').unwrap_or((&admin, ""));
                let server = &base[..base.rfind('/').expect("a database in the URL")];
                let url = if query.is_empty() {
                    format!("{server}/{name}")
                } else {
                    format!("{server}/{name}?{query}")
                };
                Self {
                    url,
                    dir,
                    pg_admin: Some((admin, name)),
                }
            }
        }
    }

    pub fn database_url(&self) -> DatabaseUrl {
        DatabaseUrl::parse(&self.url).expect("test database URL")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn connect(&self) -> heard::db::DbConn {
        heard::db::connect(&self.database_url()).expect("connect to the test database")
    }

    /// Drops a PostgreSQL test database now, closing every connection to it.
    pub fn drop_database(&self) {
        if let Some((admin, name)) = &self.pg_admin
            && let Ok(mut conn) = PgConnection::establish(admin)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        self.drop_database();
    }
}

pub struct TestApp {
    /// The mail worker, not running: tests drain the outbox explicitly.
    pub worker: heard::mail::worker::MailWorker,
    pub address: String,
    /// `http://host:port` of the `/metrics` listener, when it has one of its own.
    pub metrics_address: Option<String>,
    pub client: reqwest::Client,
    pub pool: Pool,
    pub db: TestDb,
    pub smtp: SmtpServer,
    pub settings: Arc<Settings>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The mail worker of a second instance on the same database: its own pool, its own
    /// schedule, nothing shared with this app's worker but the database.
    pub fn second_worker(&self) -> heard::mail::worker::MailWorker {
        let mailer = heard::mail::Mailer::from_settings(&self.settings).expect("mailer");
        let state = AppState::new(
            heard::db::open(&self.settings.database).expect("second pool"),
            self.settings.clone(),
            Secret::new(TEST_SECRET),
        );
        heard::mail::worker::MailWorker::for_app(&state, mailer).expect("second worker")
    }

    /// A connection to the app's database, for what a test sets up or checks there.
    pub fn conn(&self) -> PooledConn {
        self.pool.get().expect("a database connection")
    }

    /// `GET path` as the app's own (anonymous) client.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// The status and text of `GET path`, as the app's own (anonymous) client.
    pub async fn page(&self, path: &str) -> (u16, String) {
        page_as(&self.client, self, path).await
    }
}

/// The status and text of `GET path` as `client` (a signed-in browser, say).
pub async fn page_as(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let res = client.get(app.url(path)).send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.text().await.expect("a text body"))
}

/// A browser of one's own: it keeps cookies and does not follow redirects (tests look at
/// where they lead).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(1))
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client")
}

/// A client that keeps no cookies (to replay or forge one by hand) and follows no redirects.
pub fn cookieless() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(1))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Settings for a test: everything local, nothing from the environment. Forms may be
/// posted at once and there is no rate limit, unless a test turns them on.
pub fn test_settings(db: &TestDb, smtp: &SmtpServer, bind: &str) -> ConfigArgs {
    ConfigArgs {
        database_url: Some(db.url.clone()),
        bind: Some(bind.to_owned()),
        base_url: Some(format!("http://{bind}")),
        data_dir: Some(db.data_dir()),
        secret_key: Some(TEST_SECRET.into()),
        smtp_url: Some(smtp.url()),
        form_min_seconds: Some("0".into()),
        rate_limit_per_minute: Some("0".into()),
        ..ConfigArgs::default()
    }
}

pub const TEST_SECRET: &str = "test-secret-key-that-is-long-enough-0123456789";

/// A settings tweak: the app trusts loopback as a proxy, so a test may say where a request
/// comes from with `X-Forwarded-For`.
pub fn trust_loopback_proxy(args: &mut ConfigArgs) {
    args.trusted_proxies = Some("127.0.0.1/32".into());
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Like `spawn_app`, with some settings changed.
pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut ConfigArgs)) -> TestApp {
    let db = TestDb::new(backend);
    let smtp = SmtpServer::start();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let bind = listener.local_addr().expect("addr").to_string();
    let mut args = test_settings(&db, &smtp, &bind);
    tweak(&mut args);
    let settings = Arc::new(Settings::load(&args).expect("test settings"));
    let pool = heard::db::open(&settings.database).expect("open test database");
    let state = AppState::new(pool.clone(), settings.clone(), Secret::new(TEST_SECRET));
    let mailer = heard::mail::Mailer::from_settings(&settings).expect("mailer");
    let worker = heard::mail::worker::MailWorker::for_app(&state, mailer).expect("worker");
    let state = actix_web::web::Data::new(state);
    // `HEARD_METRICS=host:port` (port 0 for any free one) starts the second listener too.
    let metrics_address = match &settings.metrics {
        Metrics::Separate(addr) => {
            let listener = TcpListener::bind(addr).expect("bind the metrics address");
            let address = format!("http://{}", listener.local_addr().expect("addr"));
            let server = heard::app::serve_metrics(state.clone(), listener).expect("metrics");
            tokio::spawn(server);
            Some(address)
        }
        Metrics::Off | Metrics::Public => None,
    };
    let server =
        heard::app::serve_app(state, listener, ServerOptions { workers: 1 }).expect("start");
    tokio::spawn(server);
    let client = browser();
    TestApp {
        worker,
        address: format!("http://{bind}"),
        metrics_address,
        client,
        pool,
        db,
        smtp,
        settings,
    }
}

/// What a browser does with a public form: loads `page` (which must answer 200) in `client`
/// and posts `fields` to `action` with the page's own form token. `from` is the address both
/// requests come from, through the trusted proxy, when a test says so.
pub async fn fill_in(
    app: &TestApp,
    client: &reqwest::Client,
    from: Option<&str>,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let with_address = |request: reqwest::RequestBuilder| match from {
        Some(ip) => request.header("x-forwarded-for", ip),
        None => request,
    };
    let res = with_address(client.get(app.url(page)))
        .send()
        .await
        .expect("load the form");
    assert_eq!(res.status(), 200, "{page}");
    let html = res.text().await.expect("the form's page");
    let token = form_token(&html);
    let mut form = fields.to_vec();
    form.push(("form_token", token.as_str()));
    with_address(client.post(app.url(action)))
        .form(&form)
        .send()
        .await
        .expect("post the form")
}

/// The value of a hidden `form_token` field in a page.
pub fn form_token(html: &str) -> String {
    let start = html
        .find("name=\"form_token\" value=\"")
        .expect("a form token")
        + 25;
    html[start..start + html[start..].find('"').expect("end")].to_owned()
}
