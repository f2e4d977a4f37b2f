//! Complaint cases: open → acknowledged → resolved, with a due time. Each step is recorded
//! as a note event; the customer hears about acknowledgement and resolution by email.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::events::{self, EventKind};
use super::inbox::{OpenComplaints, Scope};
use super::note_facts::{Links, NoteFacts};
use super::responsible::contact;
use super::settings;
use super::staff::Staff;
use crate::db::ids::{CaseId, FeedbackId, StaffId};
use crate::db::schema::{cases, feedback, staff, teams};
use crate::db::{DbConn, write_tx};
use crate::domain::Role;
use crate::domain::case::{CaseAction, transition};
use crate::error::{AppError, FieldError};

#[derive(Debug, Insertable)]
#[diesel(table_name = cases)]
struct NewCase<'a> {
    id: CaseId,
    feedback_id: &'a FeedbackId,
    status: &'a str,
    due_at: NaiveDateTime,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Opens the case for a complaint, due for acknowledgement at `due_at`.
pub fn open(
    conn: &mut DbConn,
    feedback: &FeedbackId,
    due_at: NaiveDateTime,
) -> QueryResult<CaseId> {
    let id = CaseId::new();
    let now = super::now();
    diesel::insert_into(cases::table)
        .values(NewCase {
            id: id.clone(),
            feedback_id: feedback,
            status: "open",
            due_at,
            created_at: now,
            updated_at: now,
        })
        .execute(conn)?;
    Ok(id)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct CaseRow {
    pub id: CaseId,
    pub feedback_id: FeedbackId,
    pub status: String,
    pub assignee_id: Option<StaffId>,
    pub due_at: NaiveDateTime,
    pub escalated_at: Option<NaiveDateTime>,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolution_note: Option<String>,
    pub created_at: NaiveDateTime,
}

impl CaseRow {
    pub fn overdue(&self, now: NaiveDateTime) -> bool {
        self.status == "open" && self.due_at <= now
    }
}

pub fn for_note(conn: &mut DbConn, id: &FeedbackId) -> QueryResult<Option<CaseRow>> {
    cases::table
        .filter(cases::feedback_id.eq(id))
        .select(CaseRow::as_select())
        .first(conn)
        .optional()
}

/// What someone does to a case (or, for `Reply`, to a thank-you note).
#[derive(Debug, Clone)]
pub enum Step {
    Acknowledge {
        message: Option<String>,
    },
    Assign {
        to: StaffId,
    },
    Comment {
        text: String,
    },
    Resolve {
        message: String,
    },
    /// A short answer from the rep (or their manager) to a customer who said thank you.
    Reply {
        message: String,
    },
}

/// Who is acting, as the permission checks need them.
pub struct Acting<'a> {
    pub person: &'a Staff,
    pub role: Role,
    pub scope: &'a Scope,
}

fn in_scope(scope: &Scope, facts: &NoteFacts) -> bool {
    let n = &facts.note;
    match scope {
        Scope::All => true,
        Scope::Own(me, _) => n.rep_id.as_ref() == Some(me),
        Scope::Teams(me, teams) => {
            n.rep_id.as_ref() == Some(me) || n.team_id.as_ref().is_some_and(|t| teams.contains(t))
        }
    }
}

fn refuse(field: &str, message: &str) -> AppError {
    AppError::Invalid(vec![FieldError::new(field, message)])
}

/// May this person work on this complaint? Managers and admins in scope may; the assignee
/// may; the rep may handle their own only where the organisation allows it.
fn may_handle(
    conn: &mut DbConn,
    who: &Acting<'_>,
    facts: &NoteFacts,
    case: &CaseRow,
) -> QueryResult<bool> {
    if case.assignee_id.as_ref() == Some(&who.person.id) {
        return Ok(true);
    }
    Ok(match who.role {
        Role::Admin | Role::Manager => in_scope(who.scope, facts),
        Role::Rep => {
            facts.note.rep_id.as_ref() == Some(&who.person.id)
                && settings::number(conn, settings::REPS_HANDLE_CASES)? != 0
        }
    })
}

/// Someone a case may be assigned to: active, and the acting person could see their notes
/// (a manager assigns within their teams; an admin to anyone).
fn assignable(conn: &mut DbConn, who: &Acting<'_>, id: &StaffId) -> QueryResult<Option<Staff>> {
    let Some(person) = staff::table
        .find(id)
        .filter(staff::active.eq(true))
        .select(Staff::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let ok = match who.scope {
        Scope::All => true,
        Scope::Own(me, _) => &person.id == me,
        Scope::Teams(me, teams) => {
            &person.id == me || person.team_id.as_ref().is_some_and(|t| teams.contains(t))
        }
    };
    Ok(ok.then_some(person))
}

/// Applies one step, in one transaction: the case row, the event, and any emails.
pub fn apply(
    conn: &mut DbConn,
    who: &Acting<'_>,
    note: &FeedbackId,
    step: &Step,
    links: Links<'_>,
) -> Result<(), AppError> {
    write_tx(conn, |conn| apply_in_tx(conn, who, note, step, links))
}

fn apply_in_tx(
    conn: &mut DbConn,
    who: &Acting<'_>,
    note: &FeedbackId,
    step: &Step,
    links: Links<'_>,
) -> Result<(), AppError> {
    let now = super::now();
    let facts = NoteFacts::load(conn, note)?.ok_or(AppError::NotFound)?;
    if facts.note.status == "erased" {
        return Err(AppError::Gone);
    }
    let me = &who.person.id;
    if let Step::Reply { message } = step {
        return reply(conn, who, &facts, message, links, now);
    }
    let case = for_note(conn, note)?;
    let Some(case) = case else {
        return if in_scope(who.scope, &facts) {
            Err(refuse("case", "Only a complaint has a case."))
        } else {
            Err(AppError::NotFound)
        };
    };
    if !may_handle(conn, who, &facts, &case)? {
        return Err(if in_scope(who.scope, &facts) {
            AppError::Forbidden
        } else {
            AppError::NotFound
        });
    }
    let action = match step {
        Step::Acknowledge { .. } => CaseAction::Acknowledge,
        Step::Assign { .. } => CaseAction::Assign,
        Step::Comment { .. } => CaseAction::Comment,
        Step::Resolve { .. } => CaseAction::Resolve,
        Step::Reply { .. } => unreachable!("handled above"),
    };
    let next = transition(&case.status, action).map_err(|e| refuse("case", &e.0))?;
    let row = cases::table.filter(cases::id.eq(&case.id));
    let mut context = facts.context(links);
    context.insert("staff_name", &who.person.name);
    match step {
        Step::Acknowledge { message } => {
            diesel::update(row)
                .set((
                    cases::status.eq(next),
                    cases::acknowledged_at.eq(now),
                    cases::updated_at.eq(now),
                ))
                .execute(conn)?;
            events::record(
                conn,
                note,
                EventKind::Acknowledged,
                Some(me),
                message.as_deref(),
                true,
                now,
            )?;
            context.insert("message", message);
            if let Some(customer) = facts.customer() {
                let key = format!("case:{}:acknowledged", case.id);
                facts.queue(conn, "case_acknowledged", key, &customer, &context)?;
            }
            // Where complaints reach the rep only once acknowledged, this is that moment.
            if settings::number(conn, settings::COMPLAINT_TO_REP_AT_ONCE)? == 0
                && let Some(rep) = facts.rep.as_ref().filter(|r| r.active)
            {
                let key = format!("note:{}:complaint_rep:{}", note, rep.email);
                let mut c = context.clone();
                c.insert(
                    "due_at",
                    &case.due_at.format("%-d %B %Y, %H:%M").to_string(),
                );
                facts.queue(conn, "complaint_rep", key, &contact(rep), &c)?;
            }
        }
        Step::Assign { to } => {
            let person = assignable(conn, who, to)?
                .ok_or_else(|| refuse("assignee", "Choose someone on your teams."))?;
            diesel::update(row)
                .set((cases::assignee_id.eq(&person.id), cases::updated_at.eq(now)))
                .execute(conn)?;
            events::record(
                conn,
                note,
                EventKind::Assigned,
                Some(me),
                Some(&person.name),
                false,
                now,
            )?;
            if &person.id != me {
                context.insert(
                    "due_at",
                    &case.due_at.format("%-d %B %Y, %H:%M").to_string(),
                );
                let key = format!(
                    "case:{}:assigned:{}:{}",
                    case.id,
                    person.id,
                    now.and_utc().timestamp_micros()
                );
                facts.queue(conn, "case_assigned", key, &contact(&person), &context)?;
            }
        }
        Step::Comment { text } => {
            events::record(
                conn,
                note,
                EventKind::Comment,
                Some(me),
                Some(text),
                false,
                now,
            )?;
            diesel::update(row)
                .set(cases::updated_at.eq(now))
                .execute(conn)?;
        }
        Step::Resolve { message } => {
            diesel::update(row)
                .set((
                    cases::status.eq(next),
                    cases::resolved_at.eq(now),
                    cases::acknowledged_at.eq(case.acknowledged_at.unwrap_or(now)),
                    cases::resolution_note.eq(message),
                    cases::updated_at.eq(now),
                ))
                .execute(conn)?;
            events::record(
                conn,
                note,
                EventKind::Resolved,
                Some(me),
                Some(message),
                true,
                now,
            )?;
            context.insert("message", message);
            if let Some(customer) = facts.customer() {
                let key = format!("case:{}:resolved", case.id);
                facts.queue(conn, "case_resolved", key, &customer, &context)?;
            }
        }
        Step::Reply { .. } => {}
    }
    diesel::update(feedback::table.find(note))
        .set(feedback::updated_at.eq(now))
        .execute(conn)?;
    Ok(())
}

fn reply(
    conn: &mut DbConn,
    who: &Acting<'_>,
    facts: &NoteFacts,
    message: &str,
    links: Links<'_>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let me = &who.person.id;
    if !in_scope(who.scope, facts) {
        return Err(AppError::NotFound);
    }
    if facts.note.kind != "thanks" {
        return Err(refuse(
            "message",
            "A complaint is answered by resolving its case.",
        ));
    }
    let Some(customer) = facts.customer() else {
        return Err(refuse(
            "message",
            "This customer left no email address, so there is no way to reply.",
        ));
    };
    let sent = events::count(conn, &facts.note.id, EventKind::Reply)?;
    if sent >= 3 {
        return Err(refuse("message", "Three replies to one note is the limit."));
    }
    events::record(
        conn,
        &facts.note.id,
        EventKind::Reply,
        Some(me),
        Some(message),
        true,
        now,
    )?;
    let mut context = facts.context(links);
    context.insert("message", message);
    context.insert(
        "staff_public",
        &if who.person.public_naming {
            who.person.name.clone()
        } else {
            facts.rep_public()
        },
    );
    let key = format!("note:{}:reply:{}", facts.note.id, sent + 1);
    facts.queue(conn, "reply_to_customer", key, &customer, &context)?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct OpenCase {
    pub feedback_id: String,
    pub reference: String,
    pub status: String,
    pub rep: Option<String>,
    pub team: Option<String>,
    pub assignee: Option<String>,
    pub age_hours: i64,
    pub age: String,
    pub due: String,
    pub overdue: bool,
    pub escalated: bool,
}

fn age_words(hours: i64) -> String {
    match hours {
        h if h < 1 => "under an hour".into(),
        1 => "1 hour".into(),
        h if h < 48 => format!("{h} hours"),
        h => format!("{} days", h / 24),
    }
}

/// A case with its reference, rep, team and assignee names.
type OpenRow = (
    CaseRow,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Cases not yet resolved, in scope, oldest first.
pub fn open_by_age(conn: &mut DbConn, scope: &Scope, limit: i64) -> QueryResult<Vec<OpenCase>> {
    let assignee = diesel::alias!(staff as assignee);
    let mut query = cases::table
        .inner_join(feedback::table)
        .left_join(staff::table.on(feedback::rep_id.eq(staff::id.nullable())))
        .left_join(teams::table.on(feedback::team_id.eq(teams::id.nullable())))
        .left_join(assignee.on(cases::assignee_id.eq(assignee.field(staff::id).nullable())))
        .filter(cases::status.ne("resolved"))
        .order(cases::created_at.asc())
        .limit(limit)
        .select((
            CaseRow::as_select(),
            feedback::reference,
            staff::name.nullable(),
            teams::name.nullable(),
            assignee.field(staff::name).nullable(),
        ))
        .into_boxed();
    query = match scope {
        Scope::All => query,
        Scope::Own(id, OpenComplaints::Shown) => query.filter(
            feedback::rep_id
                .eq(id.clone())
                .or(cases::assignee_id.eq(id.clone())),
        ),
        // A complaint about them reaches the rep once acknowledged (or assigned to them).
        Scope::Own(id, OpenComplaints::Hidden) => query.filter(
            feedback::rep_id
                .eq(id.clone())
                .and(cases::status.ne("open"))
                .or(cases::assignee_id.eq(id.clone())),
        ),
        Scope::Teams(id, teams) => query.filter(
            feedback::rep_id
                .eq(id.clone())
                .or(feedback::team_id.eq_any(teams.clone()))
                .or(cases::assignee_id.eq(id.clone())),
        ),
    };
    let now = super::now();
    let rows: Vec<OpenRow> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(case, reference, rep, team, assignee)| {
            let hours = (now - case.created_at).num_hours();
            OpenCase {
                feedback_id: case.feedback_id.to_string(),
                reference,
                status: case.status.clone(),
                rep,
                team,
                assignee,
                age_hours: hours,
                age: age_words(hours),
                due: case.due_at.format("%-d %b %Y, %H:%M").to_string(),
                overdue: case.overdue(now),
                escalated: case.escalated_at.is_some(),
            }
        })
        .collect())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Assignee {
    pub id: String,
    pub name: String,
}

/// The people a case in this scope may be assigned to, by name.
pub fn assignees(conn: &mut DbConn, scope: &Scope) -> QueryResult<Vec<Assignee>> {
    let mut query = staff::table
        .filter(staff::active.eq(true))
        .order(staff::name.asc())
        .select((staff::id, staff::name))
        .into_boxed();
    query = match scope {
        Scope::All => query,
        Scope::Own(me, _) => query.filter(staff::id.eq(me.clone())),
        Scope::Teams(me, teams) => query.filter(
            staff::id
                .eq(me.clone())
                .or(staff::team_id.eq_any(teams.clone())),
        ),
    };
    let rows: Vec<(StaffId, String)> = query.limit(500).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| Assignee {
            id: id.to_string(),
            name,
        })
        .collect())
}

/// The case as its page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseView {
    pub status: String,
    pub assignee: Option<String>,
    pub due: String,
    pub overdue: bool,
    pub escalated: bool,
    pub resolution_note: Option<String>,
}

pub fn view(conn: &mut DbConn, id: &FeedbackId) -> QueryResult<Option<CaseView>> {
    let Some(case) = for_note(conn, id)? else {
        return Ok(None);
    };
    let assignee = match &case.assignee_id {
        Some(a) => staff::table
            .find(a)
            .select(staff::name)
            .first::<String>(conn)
            .optional()?,
        None => None,
    };
    Ok(Some(CaseView {
        overdue: case.overdue(super::now()),
        escalated: case.escalated_at.is_some(),
        status: case.status,
        assignee,
        due: case.due_at.format("%-d %B %Y, %H:%M UTC").to_string(),
        resolution_note: case.resolution_note,
    }))
}
