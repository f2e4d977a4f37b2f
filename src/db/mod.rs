//! The database: one connection type over SQLite and PostgreSQL, the pool, migrations,
//! write transactions, and the helper that keeps every query off the async executor.

pub mod ids;
mod migrations;
mod pool;
pub mod schema;
mod sqlite;
mod url;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::{Connection, PgConnection, SqliteConnection};

pub use migrations::{
    POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, migrate, pending_migration_names, pending_migrations,
    refuse_newer, revert_all, schema_version,
};
pub use pool::{Manager, Pool, PooledConn, build_pool, open};
pub use url::DatabaseUrl;

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

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot create the directory for the SQLite database {path} ({reason})")]
    Directory { path: String, reason: String },
    #[error("cannot open the database {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("database migrations failed: {0}")]
    Migrations(String),
    #[error(
        "this database was migrated by a newer Heard ({by}, schema {newest}); this is Heard {this}, \
         which knows schema up to {known}. Run the newer Heard, or restore a backup taken before the upgrade"
    )]
    NewerSchema {
        by: String,
        newest: String,
        this: &'static str,
        known: String,
    },
    #[error("cannot build the connection pool: {0}")]
    Pool(String),
}

/// Opens one connection, configured as every pooled connection is.
pub fn connect(url: &DatabaseUrl) -> Result<DbConn, DbError> {
    match url {
        DatabaseUrl::Sqlite(path) => sqlite::open(path).map(DbConn::Sqlite),
        DatabaseUrl::Postgres(secret) => PgConnection::establish(secret.expose())
            .map_err(|e| first_line(&e.to_string()))
            .and_then(|mut conn| {
                durable(&mut conn).map_err(|e| first_line(&e.to_string()))?;
                Ok(DbConn::Pg(conn))
            })
            .map_err(|reason| DbError::Connect {
                url: url.to_string(),
                reason,
            }),
    }
}

/// A commit PostgreSQL has acknowledged survives a crash: `synchronous_commit = off` (a
/// server or role default, or `options` in the URL) is raised to `on` for Heard's sessions.
/// Every other level flushes at least locally and is left as the operator chose.
fn durable(conn: &mut PgConnection) -> diesel::QueryResult<()> {
    use diesel::connection::SimpleConnection;
    conn.batch_execute(
        "SELECT set_config('synchronous_commit', 'on', false) \
         WHERE current_setting('synchronous_commit') = 'off'",
    )
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_owned()
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
        DbConn::Sqlite(_) => sqlite::WriterGuard::acquire(),
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

/// Runs `f` in a read-only transaction that sees one consistent snapshot of the database,
/// however long it takes and whatever others write meanwhile; nothing is written.
pub fn read_snapshot<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        // In WAL mode a read transaction keeps the snapshot its first read takes.
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN DEFERRED")?,
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction_sql(
            c,
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        )?,
    }
    let result = f(conn);
    let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
    result
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
    use diesel::RunQueryDsl;
    use diesel::connection::SimpleConnection;

    use super::*;

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

    #[test]
    fn enums_and_ids_are_stored_as_their_words() {
        use diesel::IntoSql;
        use diesel::sql_types::Text;

        use crate::domain::{CaseStatus, NoteStatus};
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let word: String = diesel::select(NoteStatus::AwaitingModeration.into_sql::<Text>())
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(word, "awaiting_moderation");
        let status: CaseStatus = diesel::select("resolved".into_sql::<Text>())
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(status, CaseStatus::Resolved);
        let unknown =
            diesel::select("closed".into_sql::<Text>()).get_result::<CaseStatus>(&mut conn);
        assert!(unknown.is_err(), "a word the enum does not know is refused");
        let id = ids::StoryId::new();
        let loaded: ids::StoryId = diesel::select(id.clone().into_sql::<Text>())
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(loaded, id);
    }
}
