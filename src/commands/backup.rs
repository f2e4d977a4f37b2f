//! `heard backup FILE` and `heard restore FILE [--force]` on SQLite: a consistent copy taken
//! by SQLite itself (`VACUUM INTO`) while Heard keeps serving, and that copy put back into an
//! empty database. On PostgreSQL both name the `pg_dump` / `pg_restore` commands instead.

use std::path::Path;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::progress::Progress;
use crate::config::Settings;
use crate::db::{self, DatabaseUrl, DbConn};

const ON_POSTGRES: &str = "on PostgreSQL, use pg_dump, which copies every table in one \
    consistent snapshot while Heard serves: pg_dump --format=custom --file=FILE \
    \"$HEARD_DATABASE_URL\" (restore into an empty database with pg_restore --no-owner \
    --dbname=\"$HEARD_DATABASE_URL\" FILE)";

/// Copies the whole database, pictures included, into `file` (which must not exist yet).
pub fn backup(settings: &Settings, file: &Path) -> anyhow::Result<()> {
    if let DatabaseUrl::Postgres(_) = settings.database {
        bail!("heard backup works on SQLite; {ON_POSTGRES}");
    }
    if file.exists() {
        bail!("{} already exists; give a new file name", file.display());
    }
    let started = Instant::now();
    let mut conn = db::connect(&settings.database)?;
    let version = db::schema_version(&mut conn)?.unwrap_or_else(|| "none".to_owned());
    eprintln!("backing up {} ...", settings.database);
    copy_into(&mut conn, file, "backup")?;
    println!(
        "{}: {} bytes, schema {version}, in {:.1} s",
        file.display(),
        std::fs::metadata(file).map(|m| m.len()).unwrap_or_default(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `VACUUM INTO`: one read transaction, so the copy is consistent even while others write.
/// Progress is the copy's size against the pages in use, read as it grows.
fn copy_into(conn: &mut DbConn, file: &Path, label: &'static str) -> anyhow::Result<()> {
    let path = file
        .to_str()
        .context("the backup file's path must be valid UTF-8")?;
    let total = bytes_in_use(conn).unwrap_or(0);
    let (finished, tick) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut progress = Progress::new(label, total);
            while let Err(RecvTimeoutError::Timeout) = tick.recv_timeout(Duration::from_millis(250))
            {
                // Never the end before the end: the copy may outgrow the estimate.
                let written = std::fs::metadata(file).map_or(0, |m| m.len());
                progress.set(written.min(total.saturating_sub(1)));
            }
            progress.set(total);
        });
        let copied = diesel::sql_query("VACUUM INTO ?")
            .bind::<Text, _>(path)
            .execute(conn)
            .with_context(|| format!("cannot write {path}"));
        drop(finished);
        copied
    })?;
    Ok(())
}

/// The bytes of the database's pages that hold data (what `VACUUM INTO` writes, about).
fn bytes_in_use(conn: &mut DbConn) -> QueryResult<u64> {
    #[derive(QueryableByName)]
    struct Bytes {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let bytes: Bytes = diesel::sql_query(
        "SELECT (p.page_count - f.freelist_count) * s.page_size AS n \
         FROM pragma_page_count() p, pragma_freelist_count() f, pragma_page_size() s",
    )
    .get_result(conn)?;
    Ok(u64::try_from(bytes.n).unwrap_or_default())
}

/// Puts the backup in `file` in place of the configured database, which must hold no staff
/// and no notes unless `force`; then brings it to this Heard's schema.
pub fn restore(settings: &Settings, file: &Path, force: bool) -> anyhow::Result<()> {
    let DatabaseUrl::Sqlite(target) = &settings.database else {
        bail!("heard restore works on SQLite; {ON_POSTGRES}");
    };
    if !file.is_file() {
        bail!("{} is not a file", file.display());
    }
    let started = Instant::now();
    let backup_url = DatabaseUrl::Sqlite(file.to_path_buf());
    let mut backup = db::connect(&backup_url)
        .with_context(|| format!("{} is not a Heard backup", file.display()))?;
    let version = db::schema_version(&mut backup)
        .ok()
        .flatten()
        .with_context(|| format!("{} is not a Heard backup (no schema)", file.display()))?;
    db::refuse_newer(&mut backup)?;
    if target.exists() && !force {
        let mut current = db::connect(&settings.database)?;
        let (staff, notes) = holds(&mut current);
        if staff + notes > 0 {
            bail!(
                "{} already holds data ({staff} staff, {notes} notes); restore into an empty database, or add --force to replace it (stop Heard first)",
                settings.database
            );
        }
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let staging = target.with_extension("restoring");
    let _ = std::fs::remove_file(&staging);
    copy_into(&mut backup, &staging, "restore")?;
    drop(backup);
    for suffix in ["-wal", "-shm"] {
        let mut side = target.clone().into_os_string();
        side.push(suffix);
        let _ = std::fs::remove_file(side);
    }
    std::fs::rename(&staging, target)
        .with_context(|| format!("cannot put the backup in place at {}", target.display()))?;
    let mut restored = db::connect(&settings.database)?;
    let applied = db::migrate(&mut restored)?;
    println!(
        "restored {} (schema {version}{}) into {} in {:.1} s",
        file.display(),
        if applied.is_empty() {
            String::new()
        } else {
            format!(", then {} migration(s) applied", applied.len())
        },
        settings.database,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// How many staff and notes a database holds (none when it has no tables yet).
fn holds(conn: &mut DbConn) -> (i64, i64) {
    use crate::db::schema::{notes, staff};
    let staff: i64 = staff::table.count().get_result(conn).unwrap_or(0);
    let notes: i64 = notes::table.count().get_result(conn).unwrap_or(0);
    (staff, notes)
}
