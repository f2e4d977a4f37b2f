//! The schema's migrations, one set per backend: applying, reverting and counting them, and
//! refusing a database that a newer Heard has migrated.

use diesel::backend::Backend;
use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::prelude::*;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::schema::settings;
use super::{DbConn, DbError};

/// The setting that names the Heard release which last applied a migration.
const MIGRATED_BY: &str = "schema_migrated_by";

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Applies pending migrations; returns the versions applied. Refuses, changing nothing, a
/// database that has a migration this Heard does not know (a newer Heard migrated it).
pub fn migrate(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    let lock_error = |e: diesel::result::Error| DbError::Migrations(e.to_string());
    if let DbConn::Pg(c) = conn {
        // Several instances may start at once: one migrates, the others wait.
        c.batch_execute("SELECT pg_advisory_lock(4812771)")
            .map_err(lock_error)?;
    }
    let result = refuse_newer(conn)
        .and_then(|()| apply(conn))
        .and_then(|applied| {
            if !applied.is_empty() {
                record_release(conn)?;
            }
            Ok(applied)
        });
    if let DbConn::Pg(c) = conn {
        let _ = c.batch_execute("SELECT pg_advisory_unlock(4812771)");
    }
    result
}

fn apply(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    let fail = |e: Box<dyn std::error::Error + Send + Sync>| DbError::Migrations(e.to_string());
    let applied = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map_err(fail)?,
        DbConn::Pg(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map_err(fail)?,
    };
    Ok(applied.iter().map(ToString::to_string).collect())
}

/// Notes which release migrated the database, for the message an older release gives.
fn record_release(conn: &mut DbConn) -> Result<(), DbError> {
    let now = crate::store::now();
    let release = env!("CARGO_PKG_VERSION");
    let row = (
        settings::key.eq(MIGRATED_BY),
        settings::value.eq(release),
        settings::updated_at.eq(now),
    );
    let done = crate::per_backend!(conn, c => diesel::insert_into(settings::table)
        .values(row)
        .on_conflict(settings::key)
        .do_update()
        .set((settings::value.eq(release), settings::updated_at.eq(now)))
        .execute(c));
    done.map(drop)
        .map_err(|e| DbError::Migrations(e.to_string()))
}

/// The newest applied migration that `known` does not list, and the newest it does.
fn newer_than_known<C, DB>(
    conn: &mut C,
    known: EmbeddedMigrations,
) -> Result<Option<(String, String)>, DbError>
where
    DB: Backend,
    C: MigrationHarness<DB>,
    EmbeddedMigrations: MigrationSource<DB>,
{
    let fail = |e: Box<dyn std::error::Error + Send + Sync>| DbError::Migrations(e.to_string());
    let ours: Vec<String> = MigrationSource::<DB>::migrations(&known)
        .map_err(fail)?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    let theirs = conn.applied_migrations().map_err(fail)?;
    let newest = theirs
        .iter()
        .map(ToString::to_string)
        .filter(|v| !ours.contains(v))
        .max();
    Ok(newest.map(|newest| (newest, ours.iter().max().cloned().unwrap_or_default())))
}

/// An error naming both releases when the database has a migration this Heard does not know.
pub fn refuse_newer(conn: &mut DbConn) -> Result<(), DbError> {
    let newer = match conn {
        DbConn::Sqlite(c) => newer_than_known(c, SQLITE_MIGRATIONS)?,
        DbConn::Pg(c) => newer_than_known(c, POSTGRES_MIGRATIONS)?,
    };
    let Some((newest, known)) = newer else {
        return Ok(());
    };
    let by: QueryResult<String> = crate::per_backend!(conn, c => settings::table
        .select(settings::value)
        .filter(settings::key.eq(MIGRATED_BY))
        .first(c));
    Err(DbError::NewerSchema {
        by: by.map_or_else(
            |_| "an unknown release".to_owned(),
            |v| format!("Heard {v}"),
        ),
        newest,
        this: env!("CARGO_PKG_VERSION"),
        known,
    })
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

/// The names of the migrations not yet applied, oldest first (for `heard migrate --dry-run`).
/// Refuses a database a newer Heard has migrated, as [`migrate`] does.
pub fn pending_migration_names(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    let fail = |e: Box<dyn std::error::Error + Send + Sync>| DbError::Migrations(e.to_string());
    refuse_newer(conn)?;
    Ok(match conn {
        DbConn::Sqlite(c) => c
            .pending_migrations(SQLITE_MIGRATIONS)
            .map_err(fail)?
            .iter()
            .map(|m| m.name().to_string())
            .collect(),
        DbConn::Pg(c) => c
            .pending_migrations(POSTGRES_MIGRATIONS)
            .map_err(fail)?
            .iter()
            .map(|m| m.name().to_string())
            .collect(),
    })
}

/// The newest migration applied to the database, if any (its schema version).
pub fn schema_version(conn: &mut DbConn) -> Result<Option<String>, DbError> {
    let fail = |e: Box<dyn std::error::Error + Send + Sync>| DbError::Migrations(e.to_string());
    let applied = match conn {
        DbConn::Sqlite(c) => MigrationHarness::applied_migrations(c).map_err(fail)?,
        DbConn::Pg(c) => MigrationHarness::applied_migrations(c).map_err(fail)?,
    };
    Ok(applied.iter().map(ToString::to_string).max())
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
