//! `heard copy --to URL`: every row of the configured database into another one, SQLite to
//! PostgreSQL or back, in batches, read from one consistent snapshot (Heard may keep serving)
//! and written in one transaction (a copy that fails leaves the target as it was), then the
//! row counts of every table compared.

mod tables;

use std::time::Instant;

use anyhow::{Context, bail};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use self::tables::Table;
use crate::commands::progress::Progress;
use crate::config::Settings;
use crate::db::{self, DatabaseUrl, DbConn};

/// Every table's name and row count, in the order they are copied.
type Counts = Vec<(&'static str, i64)>;

pub fn run(settings: &Settings, to: &str) -> anyhow::Result<()> {
    let target_url = DatabaseUrl::parse(to).map_err(|e| anyhow::anyhow!("--to: {e}"))?;
    if same_database(&settings.database, &target_url) {
        bail!("--to names the database Heard is configured with; give another one");
    }
    let started = Instant::now();
    let mut source = super::open_db(settings)?;
    let mut target = db::connect(&target_url)?;
    db::migrate(&mut target)?;
    let held = counts(&mut target)?;
    if let Some((table, rows)) = held
        .iter()
        .find(|(table, rows)| *rows > made_by_migrate(table))
    {
        bail!(
            "{target_url} already holds data ({rows} rows in {table}); copy into an empty database"
        );
    }
    eprintln!("copying {} to {target_url} ...", settings.database);
    let copied = db::read_snapshot(&mut source, |source| {
        let expected = counts(source)?;
        db::write_tx(&mut target, |target| {
            copy_all(source, target, &expected)?;
            // Checked before the commit: a copy that does not match is not kept.
            let copied = counts(target)?;
            let wrong = mismatches(&expected, &copied);
            if !wrong.is_empty() {
                bail!(
                    "the row counts differ, so nothing was kept: {}",
                    wrong.join("; ")
                );
            }
            Ok(copied)
        })
    })?;
    analyze(&mut target)?;
    for (table, rows) in &copied {
        println!("{table:<18} {rows:>10}");
    }
    println!(
        "copied {} rows in {} tables to {target_url} in {:.1} s; every table's row count matches",
        copied.iter().map(|(_, rows)| rows).sum::<i64>(),
        copied.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The tables whose row counts differ, each with both counts.
fn mismatches(expected: &Counts, copied: &Counts) -> Vec<String> {
    expected
        .iter()
        .zip(copied)
        .filter(|(a, b)| a != b)
        .map(|((table, want), (_, got))| format!("{table}: {want} in the source, {got} copied"))
        .collect()
}

/// The rows a newly migrated database holds: which release migrated it, and the wall's version.
fn made_by_migrate(table: &str) -> i64 {
    i64::from(matches!(table, "settings" | "wall_version"))
}

fn same_database(a: &DatabaseUrl, b: &DatabaseUrl) -> bool {
    match (a, b) {
        (DatabaseUrl::Sqlite(a), DatabaseUrl::Sqlite(b)) => {
            a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
        }
        (DatabaseUrl::Postgres(a), DatabaseUrl::Postgres(b)) => a.expose() == b.expose(),
        _ => false,
    }
}

/// Calls `$each!(Row)` for every table, parents before the rows that refer to them.
macro_rules! each_table {
    ($each:ident) => {{
        use self::tables::*;
        $each!(Picture);
        $each!(Team);
        $each!(Staff);
        $each!(Note);
        $each!(Story);
        $each!(StoryTag);
        $each!(Case);
        $each!(Outbox);
        $each!(OutboxNote);
        $each!(Token);
        $each!(Audit);
        $each!(NoteRead);
        $each!(NoteEvent);
        $each!(Setting);
        $each!(LoginThrottle);
        $each!(RateCounter);
        $each!(UsedFormToken);
        $each!(ResetRequest);
        $each!(WallVersion);
    }};
}

fn counts(conn: &mut DbConn) -> QueryResult<Counts> {
    let mut counts = Vec::new();
    macro_rules! count {
        ($row:ident) => {
            counts.push(($row::NAME, $row::count(conn)?))
        };
    }
    each_table!(count);
    Ok(counts)
}

fn copy_all(source: &mut DbConn, target: &mut DbConn, expected: &Counts) -> anyhow::Result<()> {
    // The only rows an empty, migrated database holds (see `made_by_migrate`); the source's
    // replace them. The wall's version goes on from the source's, so no copy of a page the
    // source gave out passes for current.
    diesel::delete(crate::db::schema::settings::table).execute(target)?;
    diesel::delete(crate::db::schema::wall_version::table).execute(target)?;
    let triggers = |target: &mut DbConn, how: &str| match target {
        // The wall's version is bumped once at the end, not once per row.
        DbConn::Pg(c) => c.batch_execute(&format!(
            "ALTER TABLE stories {how} TRIGGER USER; ALTER TABLE staff {how} TRIGGER USER; \
             ALTER TABLE teams {how} TRIGGER USER;"
        )),
        DbConn::Sqlite(_) => Ok(()),
    };
    triggers(target, "DISABLE")?;
    let total = |name: &str| expected.iter().find(|(t, _)| *t == name).map_or(0, |c| c.1);
    let teams: Vec<tables::Team>;
    macro_rules! copy {
        (Team) => {
            teams = copy::<Team>(source, target, total(Team::NAME))?
        };
        (Staff) => {{
            let staff = copy::<Staff>(source, target, total(Staff::NAME))?;
            Team::relink(target, &teams)?;
            Staff::relink(target, &staff)?;
        }};
        ($row:ident) => {
            copy::<$row>(source, target, total($row::NAME))?
        };
    }
    each_table!(copy);
    triggers(target, "ENABLE")?;
    crate::store::wall::bump(target)?;
    Ok(())
}

/// Copies one table in batches; the rows whose links were set only after every row was in.
fn copy<T: Table>(source: &mut DbConn, target: &mut DbConn, total: i64) -> QueryResult<Vec<T>> {
    let mut progress = Progress::new(T::NAME, u64::try_from(total).unwrap_or_default());
    let mut unlinked = Vec::new();
    let mut last: Option<T> = None;
    loop {
        let mut rows = T::next(source, last.as_ref(), T::BATCH)?;
        let Some(end) = rows.last().cloned() else {
            break;
        };
        for row in &mut rows {
            let original = row.clone();
            if row.unlink() {
                unlinked.push(original);
            }
        }
        T::insert(target, &rows)?;
        progress.advance(rows.len() as u64);
        last = Some(end);
    }
    Ok(unlinked)
}

/// Fresh statistics for the query planner, which knows nothing of the rows just written.
fn analyze(conn: &mut DbConn) -> anyhow::Result<()> {
    let sql = match conn {
        DbConn::Sqlite(_) => "PRAGMA analysis_limit = 2000; ANALYZE;",
        DbConn::Pg(_) => "ANALYZE",
    };
    conn.batch_execute(sql)
        .context("cannot refresh the statistics of the copy")
}
