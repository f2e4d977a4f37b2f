//! CSV downloads for managers (their teams, or one of them) and admins: notes and cases.
//! The CSV is written to an unnamed temporary file in the data directory first, a batch at a
//! time, and only then sent: the database connection is back in the pool before the first
//! byte leaves, so a slow or stalled client holds a file, never a connection. Spooling is
//! bounded overall and to one export at a time per person.

use std::collections::HashSet;
use std::io::{BufWriter, Seek, Write};
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use tokio::io::{AsyncRead, ReadBuf};
use tokio::sync::Semaphore;

use super::stats::{StatsQuery, narrowed};
use crate::app::AppState;
use crate::db;
use crate::db::ids::StaffId;
use crate::error::AppError;
use crate::store::stats::Subject;
use crate::store::{exports, inbox};
use crate::web::extract::{Manager, Viewer};

/// Exports being written at once, whoever asks (each holds a database connection while it
/// reads).
pub const SPOOLING_AT_ONCE: usize = 2;

/// Who may write an export now: a few at once, one per person.
pub struct ExportSlots {
    overall: Semaphore,
    people: Mutex<HashSet<StaffId>>,
}

impl Default for ExportSlots {
    fn default() -> Self {
        Self {
            overall: Semaphore::new(SPOOLING_AT_ONCE),
            people: Mutex::new(HashSet::new()),
        }
    }
}

/// A person's place while their export is written; freed when dropped.
struct Slot<'a> {
    slots: &'a ExportSlots,
    who: StaffId,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.slots
            .people
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&self.who);
    }
}

impl ExportSlots {
    fn take(&self, who: &StaffId) -> Result<Slot<'_>, AppError> {
        let mut people = self
            .people
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !people.insert(who.clone()) {
            return Err(AppError::RateLimited {
                retry_after_secs: 5,
            });
        }
        Ok(Slot {
            slots: self,
            who: who.clone(),
        })
    }
}

/// A finished export, read from its file as the client takes it.
struct Spooled {
    file: tokio::fs::File,
    size: u64,
    buf: Box<[u8]>,
}

impl MessageBody for Spooled {
    type Error = std::io::Error;

    fn size(&self) -> BodySize {
        BodySize::Sized(self.size)
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        let mut buf = ReadBuf::new(&mut this.buf);
        match Pin::new(&mut this.file).poll_read(cx, &mut buf) {
            Poll::Ready(Ok(())) if buf.filled().is_empty() => Poll::Ready(None),
            Poll::Ready(Ok(())) => Poll::Ready(Some(Ok(Bytes::copy_from_slice(buf.filled())))),
            Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e))),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Writes the CSV of `what` about `subject` to an unnamed temporary file in `dir` (so it
/// vanishes when closed, and is private to Heard's user): the file, rewound, and its size.
fn spool(
    c: &mut crate::db::DbConn,
    dir: &std::path::Path,
    subject: &Subject,
    what: &str,
) -> Result<(std::fs::File, u64), AppError> {
    std::fs::create_dir_all(dir).map_err(AppError::internal)?;
    let mut file = tempfile::tempfile_in(dir).map_err(AppError::internal)?;
    {
        let mut out = BufWriter::with_capacity(64 * 1024, &mut file);
        let mut emit = |bytes: Vec<u8>| out.write_all(&bytes);
        match what {
            "notes" => exports::notes_csv(c, subject, &mut emit)?,
            _ => exports::cases_csv(c, subject, &mut emit)?,
        }
        out.flush().map_err(AppError::internal)?;
    }
    let size = file.stream_position().map_err(AppError::internal)?;
    file.rewind().map_err(AppError::internal)?;
    Ok((file, size))
}

/// An export as it is written: whose, of what, and where its file goes.
struct Job {
    viewer: Viewer,
    team: String,
    what: &'static str,
    dir: std::path::PathBuf,
}

impl Job {
    /// Records who took a copy of customer data, and which, then writes it.
    fn run(self, c: &mut crate::db::DbConn) -> Result<(std::fs::File, u64), AppError> {
        let Job {
            viewer,
            team,
            what,
            dir,
        } = self;
        let scope = inbox::scope(c, &viewer.staff, viewer.role)?;
        let subject = narrowed(&scope, &team)?;
        let detail = if team.is_empty() {
            "all in scope".to_owned()
        } else {
            format!("team {team}")
        };
        let (action, ip) = (format!("export.{what}"), viewer.ip.text());
        let actor = viewer.actor();
        crate::store::audit::record(c, &actor, &action, None, Some(&detail), ip.as_deref())?;
        spool(c, &dir, &subject, what)
    }
}

async fn export(
    state: web::Data<AppState>,
    viewer: Manager,
    team: String,
    what: &'static str,
) -> Result<HttpResponse, AppError> {
    let _slot = state.exports.take(viewer.id())?;
    let _permit = state
        .exports
        .overall
        .acquire()
        .await
        .map_err(AppError::internal)?;
    let job = Job {
        viewer: Viewer::clone(&viewer),
        team,
        what,
        dir: state.settings.data_dir.clone(),
    };
    let (file, size) = db::run(&state.pool, move |c| job.run(c)).await?;
    let day = crate::store::now().format("%Y-%m-%d");
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"heard-{what}-{day}.csv\""),
        ))
        .body(Spooled {
            file: tokio::fs::File::from_std(file),
            size,
            buf: vec![0; 64 * 1024].into_boxed_slice(),
        }))
}

pub async fn notes(
    state: web::Data<AppState>,
    viewer: Manager,
    query: web::Query<StatsQuery>,
) -> Result<HttpResponse, AppError> {
    export(state, viewer, query.into_inner().team, "notes").await
}

pub async fn cases(
    state: web::Data<AppState>,
    viewer: Manager,
    query: web::Query<StatsQuery>,
) -> Result<HttpResponse, AppError> {
    export(state, viewer, query.into_inner().team, "cases").await
}
