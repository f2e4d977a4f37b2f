//! SQLite's side: opening the file (private to its owner) with the pragmas every
//! connection gets, and the one writer at a time this process lets through.

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};

use super::DbError;

/// Serialises SQLite write transactions within this process (see [`super::write_tx`]).
static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

thread_local! {
    static HOLDS_WRITER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The process-wide SQLite writer slot; a thread that already holds it is not blocked again.
pub(super) struct WriterGuard {
    _held: std::sync::MutexGuard<'static, ()>,
}

impl WriterGuard {
    pub(super) fn acquire() -> Option<Self> {
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

const PRAGMAS: &str = "PRAGMA busy_timeout = 10000;
     PRAGMA journal_mode = WAL;
     PRAGMA synchronous = FULL;
     PRAGMA foreign_keys = ON;";

/// Opens the SQLite database at `path` (creating it, private to its owner), with the
/// pragmas every connection gets.
pub(super) fn open(path: &Path) -> Result<SqliteConnection, DbError> {
    let fail = |reason: String| DbError::Connect {
        url: format!("sqlite://{}", path.display()),
        reason,
    };
    ensure_parent_dir(path)?;
    // Created (or tightened) before SQLite opens it: SQLite gives the WAL and
    // shared-memory files the database file's mode.
    private_sqlite_file(path).map_err(|e| fail(e.to_string()))?;
    let mut conn =
        SqliteConnection::establish(&path.to_string_lossy()).map_err(|e| fail(e.to_string()))?;
    conn.batch_execute(PRAGMAS)
        .map_err(|e| fail(e.to_string()))?;
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let side = PathBuf::from(side);
        if side.exists() {
            crate::config::make_private(&side).map_err(|e| fail(e.to_string()))?;
        }
    }
    Ok(conn)
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
