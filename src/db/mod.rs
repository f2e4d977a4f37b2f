//! The database: one connection type over SQLite and PostgreSQL, the pool, migrations,
//! write transactions, and the helper that keeps every query off the async executor.

pub mod ids;
pub mod schema;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{Pool as R2d2Pool, PooledConnection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::Secret;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Runs the same code on the concrete connection, for the few statements diesel cannot build
/// for both backends at once (multi-row inserts, upserts, row claiming).
#[macro_export]
macro_rules! per_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Pg($c) => $body,
        }
    };
}

/// A connection to either backend; most queries are written once against this type.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

pub type Pool = R2d2Pool<Manager>;
pub type PooledConn = PooledConnection<Manager>;

/// Where the data lives, from `HEARD_DATABASE_URL`; the scheme chooses the backend.
#[derive(Clone)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(Secret),
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

/// Shows the URL with any password hidden.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(url) => {
                let url = url.expose();
                let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
                match rest.rsplit_once('@') {
                    Some((userinfo, host)) => {
                        let user = userinfo.split(':').next().unwrap_or_default();
                        write!(f, "{scheme}://{user}@{host}")
                    }
                    None => write!(f, "{scheme}://{rest}"),
                }
            }
        }
    }
}

impl DatabaseUrl {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Some(path) = text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err("give a file after sqlite://, like sqlite://data/heard.db".into());
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            let rest = text.split_once("://").map(|(_, r)| r).unwrap_or_default();
            let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
            if host.is_empty() || host.starts_with('/') && !host.contains("host=") {
                return Err(
                    "give a host after postgres://, like postgres://heard@127.0.0.1/heard".into(),
                );
            }
            return Ok(Self::Postgres(Secret::new(text)));
        }
        let scheme = text.split("://").next().filter(|_| text.contains("://"));
        Err(match scheme {
            Some(scheme) => format!(
                "the scheme {scheme:?} is not supported; use sqlite://PATH or postgres://USER@HOST/DB"
            ),
            None => "use sqlite://PATH or postgres://USER@HOST/DB".to_owned(),
        })
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot create the directory for the SQLite database {path} ({reason})")]
    Directory { path: String, reason: String },
    #[error("cannot open the database {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("database migrations failed: {0}")]
    Migrations(String),
    #[error("cannot build the connection pool: {0}")]
    Pool(String),
}

/// Serialises SQLite write transactions within this process (see [`write_tx`]).
static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

thread_local! {
    static HOLDS_WRITER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The process-wide SQLite writer slot; a thread that already holds it is not blocked again.
struct WriterGuard {
    _held: std::sync::MutexGuard<'static, ()>,
}

impl WriterGuard {
    fn acquire() -> Option<Self> {
        if HOLDS_WRITER.with(std::cell::Cell::get) {
            return None;
        }
        let guard = SQLITE_WRITER
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        HOLDS_WRITER.with(|h| h.set(true));
        Some(Self { _held: guard })
    }
}

impl Drop for WriterGuard {
    fn drop(&mut self) {
        HOLDS_WRITER.with(|h| h.set(false));
    }
}

const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 10000;
     PRAGMA journal_mode = WAL;
     PRAGMA synchronous = FULL;
     PRAGMA foreign_keys = ON;";

/// Opens one connection, configured as every pooled connection is.
pub fn connect(url: &DatabaseUrl) -> Result<DbConn, DbError> {
    let fail = |reason: String| DbError::Connect {
        url: url.to_string(),
        reason,
    };
    match url {
        DatabaseUrl::Sqlite(path) => {
            ensure_parent_dir(path)?;
            // Created (or tightened) before SQLite opens it: SQLite gives the WAL and
            // shared-memory files the database file's mode.
            private_sqlite_file(path).map_err(|e| fail(e.to_string()))?;
            let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                .map_err(|e| fail(e.to_string()))?;
            conn.batch_execute(SQLITE_PRAGMAS)
                .map_err(|e| fail(e.to_string()))?;
            for suffix in ["-wal", "-shm"] {
                let mut side = path.as_os_str().to_owned();
                side.push(suffix);
                let side = PathBuf::from(side);
                if side.exists() {
                    crate::config::make_private(&side).map_err(|e| fail(e.to_string()))?;
                }
            }
            Ok(DbConn::Sqlite(conn))
        }
        DatabaseUrl::Postgres(secret) => PgConnection::establish(secret.expose())
            .map(DbConn::Pg)
            .map_err(|e| fail(first_line(&e.to_string()))),
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_owned()
}

/// The SQLite database file, readable by its owner only (in-memory databases have none).
/// A missing file is created empty with mode 0600; an existing one is only `chmod`ed, never
/// opened: closing any descriptor of a file drops every POSIX lock this process holds on
/// it, SQLite's included.
fn private_sqlite_file(path: &Path) -> std::io::Result<()> {
    let name = path.to_string_lossy();
    if name == ":memory:" || name.starts_with("file:") {
        return Ok(());
    }
    if !path.exists() {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    crate::config::make_private(path)
}

fn ensure_parent_dir(path: &Path) -> Result<(), DbError> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            crate::config::create_private_dir(dir).map_err(|e| DbError::Directory {
                path: dir.display().to_string(),
                reason: e.kind().to_string(),
            })
        }
        _ => Ok(()),
    }
}

/// Applies pending migrations; returns the versions applied.
pub fn migrate(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    let fail = |e: Box<dyn std::error::Error + Send + Sync>| DbError::Migrations(e.to_string());
    let applied = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map_err(fail)?,
        DbConn::Pg(c) => {
            // Several instances may start at once: one migrates, the others wait.
            c.batch_execute("SELECT pg_advisory_lock(4812771)")
                .map_err(|e| DbError::Migrations(e.to_string()))?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.iter().map(ToString::to_string).collect::<Vec<_>>())
                .map_err(fail);
            let _ = c.batch_execute("SELECT pg_advisory_unlock(4812771)");
            return result;
        }
    };
    Ok(applied.iter().map(ToString::to_string).collect())
}

/// Reverts every migration (used by tests that prove `down.sql` works).
pub fn revert_all(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    let fail = |e: Box<dyn std::error::Error + Send + Sync>| DbError::Migrations(e.to_string());
    let reverted = match conn {
        DbConn::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS).map_err(fail)?,
        DbConn::Pg(c) => c.revert_all_migrations(POSTGRES_MIGRATIONS).map_err(fail)?,
    };
    Ok(reverted.iter().map(ToString::to_string).collect())
}

/// Migrations not yet applied (for `heard check`).
pub fn pending_migrations(conn: &mut DbConn) -> Result<usize, DbError> {
    let fail = |e: Box<dyn std::error::Error + Send + Sync>| DbError::Migrations(e.to_string());
    Ok(match conn {
        DbConn::Sqlite(c) => c.pending_migrations(SQLITE_MIGRATIONS).map_err(fail)?.len(),
        DbConn::Pg(c) => c
            .pending_migrations(POSTGRES_MIGRATIONS)
            .map_err(fail)?
            .len(),
    })
}

/// Pooled connections, opened exactly as [`connect`] opens one: the backend comes from the
/// URL's scheme, SQLite gets its pragmas, and a failure says why (the derived
/// multi-connection would only say that no backend accepted the URL).
#[derive(Debug)]
pub struct Manager(DatabaseUrl);

impl diesel::r2d2::ManageConnection for Manager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        connect(&self.0).map_err(|e| {
            diesel::r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(
                e.to_string(),
            ))
        })
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        diesel::r2d2::R2D2Connection::ping(conn).map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking() || diesel::r2d2::R2D2Connection::is_broken(conn)
    }
}

/// Connects, migrates on a dedicated connection, then builds the pool.
pub fn open(url: &DatabaseUrl) -> Result<Pool, DbError> {
    let mut conn = connect(url)?;
    migrate(&mut conn)?;
    drop(conn);
    build_pool(url)
}

pub fn build_pool(url: &DatabaseUrl) -> Result<Pool, DbError> {
    let size = match url {
        DatabaseUrl::Sqlite(_) => 8,
        DatabaseUrl::Postgres(_) => 10,
    };
    R2d2Pool::builder()
        .max_size(size)
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(5))
        .build(Manager(url.clone()))
        .map_err(|e| DbError::Pool(e.to_string()))
}

/// Runs `f` in a write transaction. On SQLite it is `BEGIN IMMEDIATE`, so the write lock is
/// taken up front and a busy database waits (`busy_timeout`) instead of failing mid-transaction.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    // Already inside a write transaction (a store function called from another): join it.
    let depth = <DbConn as Connection>::TransactionManager::transaction_manager_status_mut(conn)
        .transaction_depth()?;
    if depth.is_some() {
        return f(conn);
    }
    // SQLite has one writer at a time. Queueing writers here, in order, keeps tail latency
    // low; left to SQLite, waiting writers poll with growing sleeps (`busy_timeout`), which
    // is still what orders writers from other processes (CLI commands).
    let _writer = match conn {
        DbConn::Sqlite(_) => WriterGuard::acquire(),
        DbConn::Pg(_) => None,
    };
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Pg(_) => <DbConn as Connection>::TransactionManager::begin_transaction(conn)?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(err) => {
            // If the connection died, the rollback fails too; the first error is the one
            // that explains (the pool discards the broken connection).
            let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
            Err(err)
        }
    }
}

/// Runs database work on the blocking thread pool, never on the async executor, inside the
/// caller's tracing span (so its log lines keep the request id).
pub async fn run<T, F>(pool: &Pool, f: F) -> Result<T, crate::error::AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, crate::error::AppError> + Send + 'static,
{
    let pool = pool.clone();
    let span = tracing::Span::current();
    actix_web::web::block(move || {
        let _entered = span.enter();
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await?
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::RunQueryDsl;

    #[test]
    fn urls_choose_the_backend() {
        assert!(matches!(
            DatabaseUrl::parse("sqlite://data/heard.db"),
            Ok(DatabaseUrl::Sqlite(p)) if p == Path::new("data/heard.db")
        ));
        assert!(matches!(
            DatabaseUrl::parse("sqlite:///var/lib/heard.db"),
            Ok(DatabaseUrl::Sqlite(p)) if p == Path::new("/var/lib/heard.db")
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgresql://u:p@db/heard"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        for bad in ["mysql://x/y", "heard.db", "sqlite://", "postgres://", ""] {
            assert!(DatabaseUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_are_hidden_when_shown() {
        let url = DatabaseUrl::parse("postgres://heard:s3cret@db:5432/heard").unwrap();
        assert_eq!(url.to_string(), "postgres://heard@db:5432/heard");
        assert!(!format!("{url:?}").contains("s3cret"));
    }

    #[test]
    fn write_transactions_commit_and_roll_back() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("t.db"));
        let mut conn = connect(&url).unwrap();
        conn.batch_execute("CREATE TABLE t (x INTEGER)").unwrap();
        write_tx(&mut conn, |c| c.batch_execute("INSERT INTO t VALUES (1)")).unwrap();
        let failed: Result<(), diesel::result::Error> = write_tx(&mut conn, |c| {
            c.batch_execute("INSERT INTO t VALUES (2)")?;
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(failed.is_err());
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let count: Count = diesel::sql_query("SELECT count(*) AS n FROM t")
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(count.n, 1);
    }
}
