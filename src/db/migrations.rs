//! The schema's migrations, one set per backend: applying, reverting and counting them.

use diesel::connection::SimpleConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{DbConn, DbError};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

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
