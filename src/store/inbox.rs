//! What staff may see of the notes: a rep their own, a manager their teams' and sub-teams',
//! an admin everything. Every staff query goes through a [`Scope`].

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{FeedbackId, StaffId, TeamId};
use crate::db::schema::{cases, feedback, feedback_reads, staff, teams};
use crate::domain::{Display, PersonName, Role};

use super::staff::Staff;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// A rep: notes about them (and cases assigned to them).
    Own(StaffId, OpenComplaints),
    Teams(StaffId, Vec<TeamId>),
    All,
}

/// The teams a person manages, and every team below them.
pub fn managed_teams(conn: &mut DbConn, manager: &StaffId) -> QueryResult<Vec<TeamId>> {
    let all: Vec<(TeamId, Option<StaffId>, Option<TeamId>)> = teams::table
        .select((teams::id, teams::manager_id, teams::parent_id))
        .load(conn)?;
    let mut found: Vec<TeamId> = all
        .iter()
        .filter(|(_, m, _)| m.as_ref() == Some(manager))
        .map(|(id, _, _)| id.clone())
        .collect();
    let mut i = 0;
    while i < found.len() {
        let parent = found[i].clone();
        for (id, _, p) in &all {
            if p.as_ref() == Some(&parent) && !found.contains(id) {
                found.push(id.clone());
            }
        }
        i += 1;
    }
    Ok(found)
}

/// Whether a rep sees a complaint about them before a manager acknowledges it: the
/// organisation's "complaints reach the rep at once" setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenComplaints {
    Shown,
    Hidden,
}

impl OpenComplaints {
    pub fn setting(conn: &mut DbConn) -> QueryResult<Self> {
        let at_once = super::settings::number(conn, super::settings::COMPLAINT_TO_REP_AT_ONCE)?;
        Ok(if at_once != 0 {
            Self::Shown
        } else {
            Self::Hidden
        })
    }

    /// Whether a note of `kind` whose case is `case` (if any) may be shown to the rep it is
    /// about, unless the case is assigned to them.
    pub fn allows(self, kind: &str, case: Option<&str>) -> bool {
        self == Self::Shown || kind != "complaint" || case.is_some_and(|c| c != "open")
    }
}

pub fn scope(conn: &mut DbConn, person: &Staff, role: Role) -> QueryResult<Scope> {
    Ok(match role {
        Role::Admin => Scope::All,
        Role::Manager => Scope::Teams(person.id.clone(), managed_teams(conn, &person.id)?),
        Role::Rep => Scope::Own(person.id.clone(), OpenComplaints::setting(conn)?),
    })
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: Option<String>,
    pub unread_only: bool,
    /// Notes older than this one (keyset pagination on the time-ordered id).
    pub before: Option<FeedbackId>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct InboxItem {
    pub id: String,
    pub reference: String,
    pub kind: String,
    pub status: String,
    pub rep: Option<String>,
    pub team: Option<String>,
    pub customer: String,
    pub excerpt: String,
    pub received: String,
    pub unread: bool,
    /// A complaint whose case is still open past its due time.
    pub overdue: bool,
}

type ItemRow = (
    FeedbackId,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<String>,
    Option<NaiveDateTime>,
);

pub const PAGE: i64 = 50;

fn excerpt(body: Option<&str>) -> String {
    match body {
        None => "(erased at the customer's request)".into(),
        Some(text) => {
            let mut short: String = text.chars().take(160).collect();
            if text.chars().count() > 160 {
                short.push('…');
            }
            short
        }
    }
}

/// A page of notes in scope, newest first.
pub fn list(
    conn: &mut DbConn,
    scope: &Scope,
    me: &StaffId,
    filter: &Filter,
) -> QueryResult<Vec<InboxItem>> {
    let mut query = feedback::table
        .left_join(staff::table.on(feedback::rep_id.eq(staff::id.nullable())))
        .left_join(teams::table.on(feedback::team_id.eq(teams::id.nullable())))
        .left_join(
            feedback_reads::table.on(feedback_reads::feedback_id
                .eq(feedback::id)
                .and(feedback_reads::staff_id.eq(me.clone()))),
        )
        .left_join(cases::table.on(cases::feedback_id.eq(feedback::id)))
        .select((
            feedback::id,
            feedback::reference,
            feedback::kind,
            feedback::status,
            staff::name.nullable(),
            teams::name.nullable(),
            feedback::customer_name,
            feedback::body,
            feedback::created_at,
            feedback_reads::read_at.nullable(),
            cases::status.nullable(),
            cases::due_at.nullable(),
        ))
        .order(feedback::id.desc())
        .limit(PAGE)
        .into_boxed();
    query = match scope {
        Scope::All => query,
        Scope::Own(id, OpenComplaints::Shown) => query.filter(feedback::rep_id.eq(id.clone())),
        // Unacknowledged complaints wait for the manager.
        Scope::Own(id, OpenComplaints::Hidden) => {
            query.filter(feedback::rep_id.eq(id.clone())).filter(
                feedback::kind
                    .ne("complaint")
                    .or(cases::status.ne("open").assume_not_null()),
            )
        }
        Scope::Teams(id, teams) => query.filter(
            feedback::rep_id
                .eq(id.clone())
                .or(feedback::team_id.eq_any(teams.clone())),
        ),
    };
    if let Some(kind) = &filter.kind {
        query = query.filter(feedback::kind.eq(kind.clone()));
    }
    if filter.unread_only {
        query = query.filter(feedback_reads::read_at.is_null());
    }
    if let Some(before) = &filter.before {
        query = query.filter(feedback::id.lt(before.clone()));
    }
    let rows: Vec<ItemRow> = query.load(conn)?;
    let now = super::now();
    Ok(rows
        .into_iter()
        .map(
            |(id, reference, kind, status, rep, team, customer, body, created, read, case, due)| {
                InboxItem {
                    id: id.to_string(),
                    reference,
                    kind,
                    status,
                    rep,
                    team,
                    customer: customer.unwrap_or_else(|| "A customer".into()),
                    excerpt: excerpt(body.as_deref()),
                    received: created.format("%-d %b %Y").to_string(),
                    unread: read.is_none(),
                    overdue: case.as_deref() == Some("open") && due.is_some_and(|d| d <= now),
                }
            },
        )
        .collect())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct NoteView {
    pub id: String,
    pub reference: String,
    pub kind: String,
    pub status: String,
    pub rep: Option<String>,
    pub team: Option<String>,
    pub customer: String,
    /// How they asked to be named in public, or None when they did not consent.
    pub public_name: Option<String>,
    /// Shown only where the rules allow (see [`note`]).
    pub customer_email: Option<String>,
    pub body: Option<String>,
    pub channel: Option<String>,
    pub interaction_date: Option<String>,
    pub received: String,
    pub unread: bool,
    /// Whether a reply can reach the customer (they left an email address).
    pub can_reply: bool,
}

type NoteRow = (
    FeedbackId,
    String,
    String,
    String,
    Option<StaffId>,
    Option<TeamId>,
    Option<String>,
    Option<String>,
    String,
    bool,
    bool,
    Option<String>,
    Option<String>,
    Option<NaiveDate>,
    NaiveDateTime,
);

fn in_scope(scope: &Scope, rep: Option<&StaffId>, team: Option<&TeamId>) -> bool {
    match scope {
        Scope::All => true,
        Scope::Own(me, _) => rep == Some(me),
        Scope::Teams(me, teams) => rep == Some(me) || team.is_some_and(|t| teams.contains(t)),
    }
}

/// One note, if it is in scope. The customer's email is shown to a rep only if the customer
/// allowed a reply; managers and admins also see it on complaints, which they answer.
pub fn note(
    conn: &mut DbConn,
    scope: &Scope,
    role: Role,
    me: &StaffId,
    id: &FeedbackId,
) -> QueryResult<Option<NoteView>> {
    let row: Option<NoteRow> = feedback::table
        .find(id)
        .select((
            feedback::id,
            feedback::reference,
            feedback::kind,
            feedback::status,
            feedback::rep_id,
            feedback::team_id,
            feedback::customer_name,
            feedback::customer_email,
            feedback::display,
            feedback::consent_publish,
            feedback::allow_reply,
            feedback::body,
            feedback::channel,
            feedback::interaction_date,
            feedback::created_at,
        ))
        .first(conn)
        .optional()?;
    let Some((
        id,
        reference,
        kind,
        status,
        rep_id,
        team_id,
        name,
        email,
        display,
        consent,
        allow_reply,
        body,
        channel,
        date,
        created,
    )) = row
    else {
        return Ok(None);
    };
    if !in_scope(scope, rep_id.as_ref(), team_id.as_ref()) {
        return Ok(None);
    }
    if let Scope::Own(_, open) = scope {
        let case: Option<String> = cases::table
            .filter(cases::feedback_id.eq(&id))
            .select(cases::status)
            .first(conn)
            .optional()?;
        if !open.allows(&kind, case.as_deref()) {
            return Ok(None);
        }
    }
    let rep = match &rep_id {
        Some(r) => staff::table
            .find(r)
            .select(staff::name)
            .first::<String>(conn)
            .optional()?,
        None => None,
    };
    let team = match &team_id {
        Some(t) => teams::table
            .find(t)
            .select(teams::name)
            .first::<String>(conn)
            .optional()?,
        None => None,
    };
    let read: i64 = feedback_reads::table
        .filter(feedback_reads::feedback_id.eq(&id))
        .filter(feedback_reads::staff_id.eq(me))
        .count()
        .get_result(conn)?;
    let person = name.as_deref().and_then(|n| PersonName::parse(n).ok());
    let display = Display::parse(&display).unwrap_or(Display::Anonymous);
    let can_reply = email.is_some() && status != "erased";
    let email_visible = allow_reply || (role != Role::Rep && kind == "complaint");
    Ok(Some(NoteView {
        id: id.to_string(),
        reference,
        kind,
        status,
        rep,
        team,
        customer: name.clone().unwrap_or_else(|| "A customer".into()),
        public_name: consent.then(|| display.public_name(person.as_ref())),
        customer_email: email.filter(|_| email_visible),
        body,
        channel: channel
            .and_then(|c| crate::domain::Channel::parse(&c).ok())
            .map(|c| c.label().to_owned()),
        interaction_date: date.map(|d| d.format("%-d %B %Y").to_string()),
        received: created.format("%-d %B %Y, %H:%M UTC").to_string(),
        unread: read == 0,
        can_reply,
    }))
}

/// Marks a note read or unread for one person.
pub fn set_read(conn: &mut DbConn, me: &StaffId, id: &FeedbackId, read: bool) -> QueryResult<()> {
    let existing = feedback_reads::table
        .filter(feedback_reads::feedback_id.eq(id))
        .filter(feedback_reads::staff_id.eq(me));
    if read {
        if existing.count().get_result::<i64>(conn)? == 0 {
            diesel::insert_into(feedback_reads::table)
                .values((
                    feedback_reads::feedback_id.eq(id),
                    feedback_reads::staff_id.eq(me),
                    feedback_reads::read_at.eq(super::now()),
                ))
                .execute(conn)?;
        }
    } else {
        diesel::delete(existing).execute(conn)?;
    }
    Ok(())
}
