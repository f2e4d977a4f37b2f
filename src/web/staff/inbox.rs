//! The inbox: every note in the viewer's scope, newest first, with filters and unread marks;
//! and one note's page. A note outside the viewer's scope does not exist for them (404).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{audited, page, team_name};
use crate::app::AppState;
use crate::db;
use crate::db::ids::NoteId;
use crate::domain::{NoteKind, Role};
use crate::error::{AppError, FieldError};
use crate::store::cases::{self, Acting};
use crate::store::inbox::{self, Filter};
use crate::store::note_facts::NoteFacts;
use crate::store::{events, notes};
use crate::web::extract::{CsrfForm, PathId, Staff, Viewer};
use crate::web::forms;
use crate::web::staff::cases::CaseForm;

#[derive(Debug, Default, Deserialize)]
pub struct InboxQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    unread: String,
    #[serde(default)]
    before: String,
}

/// The query string of the inbox's next page.
#[derive(Serialize)]
struct NextPage<'a> {
    before: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unread: Option<&'a str>,
}

/// A part of the inbox page, under its heading when there are several.
#[derive(Serialize)]
struct Group {
    title: Option<&'static str>,
    items: Vec<inbox::InboxItem>,
}

/// A rep's inbox shows complaints and thank-yous apart (unless filtered to one kind);
/// everyone else's is one list.
fn groups(items: Vec<inbox::InboxItem>, role: Role, kind: Option<NoteKind>) -> Vec<Group> {
    if role != Role::Rep || kind.is_some() {
        return vec![Group { title: None, items }];
    }
    let (complaints, thanks) = items
        .into_iter()
        .partition::<Vec<_>, _>(|i| i.note.kind == NoteKind::Complaint);
    [("Complaints", complaints), ("Thank-you notes", thanks)]
        .into_iter()
        .filter(|(_, items)| !items.is_empty())
        .map(|(title, items)| Group {
            title: Some(title),
            items,
        })
        .collect()
}

pub async fn list(
    state: web::Data<AppState>,
    viewer: Staff,
    query: web::Query<InboxQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let kind = NoteKind::ALL
        .iter()
        .copied()
        .find(|k| k.as_str() == query.kind);
    let filter = Filter {
        kind,
        unread_only: query.unread == "1",
        before: NoteId::parse(&query.before),
    };
    let (person, role) = (viewer.staff.clone(), viewer.role);
    let items = db::run(&state.pool, move |c| {
        let scope = inbox::scope(c, &person, role)?;
        Ok(inbox::list(c, &scope, &person.id, &filter)?)
    })
    .await?;
    let next = (items.len() as i64 == inbox::PAGE).then(|| {
        let page = NextPage {
            before: items
                .last()
                .map(|i| i.note.id.to_string())
                .unwrap_or_default(),
            kind: kind.map(NoteKind::as_str),
            unread: (query.unread == "1").then_some("1"),
        };
        crate::web::with_query("/staff", &page)
    });
    let mut ctx = tera::Context::new();
    ctx.insert("items", &items);
    ctx.insert("groups", &groups(items, viewer.role, kind));
    ctx.insert("next", &next);
    ctx.insert(
        "filter",
        &serde_json::json!({"kind": kind, "unread": query.unread == "1"}),
    );
    let team = team_name(&state, &viewer).await?;
    page("staff/inbox.html", ctx, &viewer, team, "inbox")
}

pub async fn show(
    state: web::Data<AppState>,
    viewer: Staff,
    id: PathId<NoteId>,
) -> Result<HttpResponse, AppError> {
    let form = CaseForm::default();
    render_note(&state, &viewer, id.0, &form, &[], StatusCode::OK).await
}

/// Everything a note's page shows, read in one go.
struct NotePage {
    note: inbox::NoteView,
    case: Option<cases::CaseView>,
    history: Vec<events::Event>,
    assignees: Vec<cases::Assignee>,
    rights: cases::Rights,
    review: Option<String>,
    neighbours: (Option<String>, Option<String>),
}

/// A note's page: the note, its case and history (staff see internal comments), and the
/// forms for what this viewer may do; `errors` and `form` when a form came back invalid.
pub async fn render_note(
    state: &AppState,
    viewer: &Viewer,
    id: NoteId,
    form: &CaseForm,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (person, role) = (viewer.staff.clone(), viewer.role);
    let page_data = db::run(&state.pool, move |c| {
        let scope = inbox::scope(c, &person, role)?;
        let Some(mut note) = inbox::note(c, &scope, role, &person.id, &id)? else {
            return Err(AppError::NotFound);
        };
        // Opening a note reads it (a failed form coming back does not count twice).
        if note.note.unread {
            inbox::set_read(c, &person.id, &id, true)?;
            note.note.unread = false;
        }
        let facts = NoteFacts::load(c, &id)?.ok_or(AppError::NotFound)?;
        let who = Acting {
            person: &person,
            role,
            scope: &scope,
        };
        let rights = cases::rights(c, &who, &facts)?;
        let case = cases::view(c, &id)?;
        let history = events::for_note(c, &id, false)?;
        let assignees = if rights.assign {
            cases::assignees(c, &scope)?
        } else {
            Vec::new()
        };
        let review = if role == Role::Rep {
            None
        } else {
            notes::story_to_review(c, &id)?.map(|s| format!("/staff/stories/{s}"))
        };
        let neighbours = inbox::neighbours(c, &scope, &person.id, &id)?;
        Ok(NotePage {
            note,
            case,
            history,
            assignees,
            rights,
            review,
            neighbours,
        })
    })
    .await?;
    let NotePage {
        note,
        case,
        history,
        assignees,
        rights,
        review,
        neighbours: (newer, older),
    } = page_data;
    let mut ctx = tera::Context::new();
    ctx.insert("note", &note);
    ctx.insert("case", &case);
    ctx.insert("history", &history);
    ctx.insert("assignees", &assignees);
    ctx.insert("may", &rights);
    ctx.insert("review", &review);
    ctx.insert("newer", &newer);
    ctx.insert("older", &older);
    ctx.insert("form", form);
    forms::insert_errors(&mut ctx, errors);
    let team = team_name(state, viewer).await?;
    let mut res = page("staff/note.html", ctx, viewer, team, "inbox")?;
    *res.status_mut() = status;
    Ok(res)
}

#[derive(Debug, Default, Deserialize)]
pub struct ReadForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    read: String,
}

crate::csrf_field!(ReadForm);

pub async fn mark(
    state: web::Data<AppState>,
    viewer: Staff,
    form: CsrfForm<ReadForm>,
    id: PathId<NoteId>,
) -> Result<HttpResponse, AppError> {
    let read = form.read == "1";
    let action = if read {
        "note.mark_read"
    } else {
        "note.mark_unread"
    };
    let (person, role, target) = (viewer.staff.clone(), viewer.role, id.0.clone());
    audited(&state, &viewer, action, id.to_string(), move |c| {
        let scope = inbox::scope(c, &person, role)?;
        inbox::note(c, &scope, role, &person.id, &target)?.ok_or(AppError::NotFound)?;
        Ok(inbox::set_read(c, &person.id, &target, read)?)
    })
    .await?;
    Ok(crate::web::see_other(&format!("/staff/notes/{}", *id)))
}
