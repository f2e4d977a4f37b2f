//! Admins import staff from a CSV: a preview of every row with its problems first, and the
//! import (all or nothing, each person invited) only when asked and clean.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::done::{self, Done};
use super::people::Inviting;
use super::{page, page_with_status};
use crate::app::AppState;
use crate::db::{self, DbConn, write_tx};
use crate::domain::staff_csv::{self, CsvRow};
use crate::error::{AppError, FieldError};
use crate::store::staff::{self, AddError, NewMember, NewTeams, RowError};
use crate::store::{accounts, audit};
use crate::web::extract::{Admin, CsrfForm, Viewer};
use crate::web::forms;

#[derive(Debug, Default, Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    csv: String,
    /// `preview` shows what would happen; `import` writes.
    #[serde(default)]
    step: String,
    /// `on`: create the teams the file names that do not exist yet.
    #[serde(default)]
    create_teams: String,
}

crate::csrf_field!(ImportForm);

pub async fn show(viewer: Admin) -> Result<HttpResponse, AppError> {
    let mut ctx = tera::Context::new();
    ctx.insert("csv", "name,email,role,team,handle,manager_email\n");
    ctx.insert("create_teams", &false);
    ctx.insert("rows", &Vec::<()>::new());
    forms::insert_errors(&mut ctx, &[]);
    page("staff/import.html", ctx, &viewer, None, "people")
}

/// Why the transaction that checks the rows did not commit.
enum ImportStop {
    Preview,
    Rows(Vec<RowError>),
    Failed(AppError),
}

impl From<diesel::result::Error> for ImportStop {
    fn from(e: diesel::result::Error) -> Self {
        Self::Failed(e.into())
    }
}

impl From<crate::store::StoreError> for ImportStop {
    fn from(e: crate::store::StoreError) -> Self {
        Self::Failed(e.into())
    }
}

impl From<AppError> for ImportStop {
    fn from(e: AppError) -> Self {
        Self::Failed(e)
    }
}

/// What checking the rows against the database came to.
enum Checked {
    /// Everyone was added and invited.
    Imported,
    /// Not written: the rows that conflict with the database (none for a clean preview).
    Conflicts(Vec<RowError>),
}

/// Adds everyone (checked against the database in a transaction that a preview rolls back)
/// and invites them.
fn add_all(
    c: &mut DbConn,
    members: &[NewMember],
    (write, new_teams): (bool, NewTeams),
    who: &Inviting,
) -> Result<Checked, AppError> {
    let result = write_tx(c, |c| {
        let added =
            staff::add_all_with(c, members, &who.actor, new_teams).map_err(|e| match e {
                AddError::Rows(rows) => ImportStop::Rows(rows),
                AddError::Db(e) => e.into(),
            })?;
        if !write {
            return Err(ImportStop::Preview);
        }
        for person in &added {
            let person = staff::find(c, &person.id)?.ok_or(AppError::NotFound)?;
            accounts::invite(c, &person, &who.inviter, &who.base_url)?;
        }
        let detail = format!("{} people", added.len());
        let ip = who.ip.as_deref();
        audit::record(c, &who.actor, "staff.import", None, Some(&detail), ip)?;
        Ok(())
    });
    match result {
        Ok(()) => Ok(Checked::Imported),
        Err(ImportStop::Preview) => Ok(Checked::Conflicts(Vec::new())),
        Err(ImportStop::Rows(rows)) => Ok(Checked::Conflicts(rows)),
        Err(ImportStop::Failed(e)) => Err(e),
    }
}

/// Every row with its problems, those of its own and its conflicts with the database (which
/// are numbered among the rows that parsed).
fn preview(rows: &[CsvRow], conflicts: &[RowError]) -> Vec<serde_json::Value> {
    let parsed_lines: Vec<u64> = rows
        .iter()
        .filter(|r| r.parsed.is_ok())
        .map(|r| r.line)
        .collect();
    let problem = |e: &FieldError| format!("{}: {}", e.field, e.message);
    rows.iter()
        .map(|r| {
            let mut problems: Vec<String> = match &r.parsed {
                Ok(_) => Vec::new(),
                Err(errors) => errors.iter().map(problem).collect(),
            };
            for c in conflicts {
                if parsed_lines.get(c.index) == Some(&r.line) {
                    problems.push(problem(&c.error));
                }
            }
            json!({"line": r.line, "name": r.fields.name, "email": r.fields.email, "role": r.fields.role,
                   "team": r.fields.team, "handle": r.fields.handle, "manager": r.fields.manager_email,
                   "problems": problems})
        })
        .collect()
}

fn render(
    viewer: &Viewer,
    form: &ImportForm,
    rows: Vec<serde_json::Value>,
    clean: Option<bool>,
    errors: &[FieldError],
) -> Result<HttpResponse, AppError> {
    let mut ctx = tera::Context::new();
    ctx.insert("csv", &form.csv);
    ctx.insert("create_teams", &(form.create_teams == "on"));
    ctx.insert("rows", &rows);
    if let Some(clean) = clean {
        ctx.insert("clean", &clean);
    }
    forms::insert_errors(&mut ctx, errors);
    let status = if clean == Some(true) {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    page_with_status("staff/import.html", ctx, viewer, "people", status)
}

/// Previews every row with its problems; imports only when asked and clean.
pub async fn submit(
    state: web::Data<AppState>,
    viewer: Admin,
    form: CsrfForm<ImportForm>,
) -> Result<HttpResponse, AppError> {
    check_and_answer(&state, &viewer, form.into_inner()).await
}

/// The preview of a CSV (pasted or uploaded), or the import when asked and clean.
async fn check_and_answer(
    state: &AppState,
    viewer: &Viewer,
    form: ImportForm,
) -> Result<HttpResponse, AppError> {
    let rows = match staff_csv::parse(form.csv.as_bytes()) {
        Ok(rows) => rows,
        Err(problem) => {
            let errors = [FieldError::new("csv", problem)];
            return render(viewer, &form, Vec::new(), None, &errors);
        }
    };
    let members: Vec<NewMember> = rows
        .iter()
        .filter_map(|r| r.parsed.as_ref().ok())
        .map(|input| NewMember {
            input: input.clone(),
            password_hash: None,
        })
        .collect();
    let all_parsed = members.len() == rows.len();
    let write = form.step == "import" && all_parsed;
    let new_teams = if form.create_teams == "on" {
        NewTeams::Create
    } else {
        NewTeams::Guarded
    };
    let who = Inviting::new(state, viewer);
    let asked = (write, new_teams);
    let outcome = db::run(&state.pool, move |c| add_all(c, &members, asked, &who)).await?;
    let conflicts = match outcome {
        Checked::Imported => {
            state.mail_wakeup.notify_one();
            return Ok(done::see_other("/staff/people", Done::Imported));
        }
        Checked::Conflicts(conflicts) => conflicts,
    };
    let clean = all_parsed && conflicts.is_empty();
    render(viewer, &form, preview(&rows, &conflicts), Some(clean), &[])
}

/// The most an uploaded CSV may hold.
pub const UPLOAD_LIMIT: usize = 1024 * 1024;

/// `POST /staff/people/import/file`: an uploaded CSV, previewed like pasted text (the
/// preview's form then carries the text, so importing works the same way).
pub async fn upload(
    state: web::Data<AppState>,
    viewer: Admin,
    parts: Multipart,
) -> Result<HttpResponse, AppError> {
    let too_big = "That file is too large: up to 1 MB, please.";
    let mut upload = crate::web::uploads::read(parts, UPLOAD_LIMIT, too_big).await?;
    viewer.check_csrf(&state, upload.field("csrf"))?;
    let create_teams = upload.field("create_teams").to_owned();
    let csv = String::from_utf8(std::mem::take(&mut upload.file)).map_err(|_| {
        AppError::Invalid(vec![FieldError::new(
            "file",
            "That file is not UTF-8 text: save it as CSV (UTF-8) and try again.",
        )])
    });
    let csv = match csv {
        Ok(csv) => csv,
        Err(AppError::Invalid(errors)) => {
            let form = ImportForm::default();
            return render(&viewer, &form, Vec::new(), None, &errors);
        }
        Err(e) => return Err(e),
    };
    let form = ImportForm {
        csrf: String::new(),
        csv: csv.trim_start_matches('\u{feff}').to_owned(),
        step: "preview".into(),
        create_teams,
    };
    check_and_answer(&state, &viewer, form).await
}
