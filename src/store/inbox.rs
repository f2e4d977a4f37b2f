//! What staff may see of the notes: a rep their own, a manager their teams' and sub-teams'
//! (co-managed teams included), an admin everything. Every staff query goes through a [`Scope`].

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{NoteId, StaffId, TeamId};
use crate::db::schema::{cases, note_reads, notes, teams};
use crate::domain::{CaseStatus, NoteKind, NoteStatus, PersonName, Role};

use super::notes::{Named, named_columns, with_names};
use super::staff::Staff;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// A rep: notes about them (and cases assigned to them).
    Own(StaffId, OpenComplaints),
    Teams(StaffId, Vec<TeamId>),
    All,
}

impl Scope {
    /// Whether a note about `rep` on `team` is in this scope (and so, for a person on
    /// `team`, whether the scope's owner may see their notes).
    pub fn covers(&self, rep: Option<&StaffId>, team: Option<&TeamId>) -> bool {
        match self {
            Self::All => true,
            Self::Own(me, _) => rep == Some(me),
            Self::Teams(me, teams) => rep == Some(me) || team.is_some_and(|t| teams.contains(t)),
        }
    }
}

/// Every team as (id, manager, parent), to walk the tree.
type TeamTree = Vec<(TeamId, Option<StaffId>, Option<TeamId>)>;

fn team_tree(conn: &mut DbConn) -> QueryResult<TeamTree> {
    teams::table
        .select((teams::id, teams::manager_id, teams::parent_id))
        .load(conn)
}

/// `found` and every team below them.
fn with_sub_teams(all: &TeamTree, mut found: Vec<TeamId>) -> Vec<TeamId> {
    let mut i = 0;
    while i < found.len() {
        let parent = found[i].clone();
        for (id, _, p) in all {
            if p.as_ref() == Some(&parent) && !found.contains(id) {
                found.push(id.clone());
            }
        }
        i += 1;
    }
    found
}

/// The teams a person manages, and every team below them.
pub fn managed_teams(conn: &mut DbConn, manager: &StaffId) -> QueryResult<Vec<TeamId>> {
    let all = team_tree(conn)?;
    let managed = all
        .iter()
        .filter(|(_, m, _)| m.as_ref() == Some(manager))
        .map(|(id, _, _)| id.clone())
        .collect();
    Ok(with_sub_teams(&all, managed))
}

/// The teams a manager sees: those they manage, and every team below them; or, for a
/// manager who manages no team, the one they co-manage (their own team, when someone else
/// manages it: see [`teams::co_manages`]) and every team below it. Managing a team of one's
/// own never also opens the team one happens to be a member of.
///
/// [`teams::co_manages`]: super::teams::co_manages
fn seen_teams(conn: &mut DbConn, person: &Staff, role: Role) -> QueryResult<Vec<TeamId>> {
    let all = team_tree(conn)?;
    let manages_any = all.iter().any(|(_, m, _)| m.as_ref() == Some(&person.id));
    let seen = all
        .iter()
        .filter(|(id, m, _)| {
            m.as_ref() == Some(&person.id)
                || (!manages_any
                    && person.team_id.as_ref() == Some(id)
                    && super::teams::co_manages(role, &person.id, m.as_ref()))
        })
        .map(|(id, _, _)| id.clone())
        .collect();
    Ok(with_sub_teams(&all, seen))
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
}

pub fn scope(conn: &mut DbConn, person: &Staff, role: Role) -> QueryResult<Scope> {
    Ok(match role {
        Role::Admin => Scope::All,
        Role::Manager => Scope::Teams(person.id.clone(), seen_teams(conn, person, role)?),
        Role::Rep => Scope::Own(person.id.clone(), OpenComplaints::setting(conn)?),
    })
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: Option<NoteKind>,
    pub unread_only: bool,
    /// Notes older than this one (keyset pagination on the time-ordered id).
    pub before: Option<NoteId>,
}

/// What the inbox and a note's page both show of a note.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NoteHeader {
    pub id: String,
    pub reference: String,
    pub kind: NoteKind,
    pub status: NoteStatus,
    /// The note's state in words: a complaint's case, or where a thank-you stands.
    pub status_label: &'static str,
    pub rep: Option<String>,
    pub team: Option<String>,
    pub customer: String,
    pub received: String,
    pub unread: bool,
}

/// Where a note stands, as staff pages say it.
fn status_label(kind: NoteKind, status: NoteStatus, case: Option<CaseStatus>) -> &'static str {
    use NoteStatus as S;
    match (kind, status, case) {
        (_, S::Erased, _) => "Erased at the customer's request",
        (NoteKind::Complaint, _, Some(case)) => case.label(),
        (NoteKind::Complaint, _, None) => "Received",
        (_, S::Received, _) => "Received (not for the wall)",
        (_, S::AwaitingModeration, _) => "Waiting for a review for the wall",
        (_, S::Published, _) => "On the wall",
        (_, S::Declined, _) => "Not published: declined",
        (_, S::Unpublished, _) => "Taken off the wall",
        (_, S::Withdrawn, _) => "Not for the wall: the customer withdrew consent",
    }
}

/// A note in the inbox.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InboxItem {
    #[serde(flatten)]
    pub note: NoteHeader,
    pub excerpt: String,
    /// A complaint whose case is still open past its due time.
    pub overdue: bool,
}

/// A note as its page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NoteView {
    #[serde(flatten)]
    pub note: NoteHeader,
    /// How they asked to be named in public, while their story waits for review or is on
    /// the wall (None when they did not consent, or the story is not or no longer going up).
    pub public_name: Option<String>,
    /// Shown only where the rules allow (see [`note`]).
    pub customer_email: Option<String>,
    pub body: Option<String>,
    pub channel: Option<String>,
    pub interaction_date: Option<String>,
    /// Whether a reply can reach the customer (they left an email address).
    pub can_reply: bool,
}

/// A note with its rep's and team's names, the reader's read mark, and its case.
#[derive(Queryable)]
struct NoteRow {
    note: Named,
    read_at: Option<NaiveDateTime>,
    case: Option<CaseStatus>,
    due_at: Option<NaiveDateTime>,
}

impl NoteRow {
    /// The shared part, with the time received in `time_format`.
    fn header(&self, time_format: &str) -> NoteHeader {
        let note = &self.note;
        NoteHeader {
            id: note.id.to_string(),
            reference: note.reference.clone(),
            kind: note.kind,
            status: note.status,
            status_label: status_label(note.kind, note.status, self.case),
            rep: note.rep.clone(),
            team: note.team.clone(),
            customer: note
                .customer_name
                .clone()
                .unwrap_or_else(|| "A customer".into()),
            received: note.created_at.format(time_format).to_string(),
            unread: self.read_at.is_none(),
        }
    }
}

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

/// Which notes [`load`] reads, and in which order.
enum Reading<'a> {
    /// The inbox's order, newest first, a page at a time.
    Page,
    /// Just this one.
    Only(&'a NoteId),
    /// The next newer than this one (for "previous" on a note's page).
    NewerThan(&'a NoteId),
    /// The next older than this one (for "next").
    OlderThan(&'a NoteId),
}

/// The notes in scope, as `reading` says.
fn load(
    conn: &mut DbConn,
    scope: &Scope,
    me: &StaffId,
    filter: &Filter,
    reading: Reading<'_>,
) -> QueryResult<Vec<NoteRow>> {
    let mut query = with_names()
        .left_join(
            note_reads::table.on(note_reads::note_id
                .eq(notes::id)
                .and(note_reads::staff_id.eq(me.clone()))),
        )
        .left_join(cases::table.on(cases::note_id.eq(notes::id)))
        .select((
            named_columns(),
            note_reads::read_at.nullable(),
            cases::status.nullable(),
            cases::due_at.nullable(),
        ))
        .into_boxed();
    query = match reading {
        Reading::Page => query.order(notes::id.desc()).limit(PAGE),
        Reading::Only(id) => query.filter(notes::id.eq(id.clone())),
        Reading::NewerThan(id) => query
            .filter(notes::id.gt(id.clone()))
            .order(notes::id.asc())
            .limit(1),
        Reading::OlderThan(id) => query
            .filter(notes::id.lt(id.clone()))
            .order(notes::id.desc())
            .limit(1),
    };
    query = match scope {
        Scope::All => query,
        // A rep also sees the complaints assigned to them, as their case list does.
        Scope::Own(id, OpenComplaints::Shown) => query.filter(
            notes::rep_id
                .eq(id.clone())
                .or(cases::assignee_id.eq(id.clone())),
        ),
        // Unacknowledged complaints wait for the manager.
        Scope::Own(id, OpenComplaints::Hidden) => query.filter(
            notes::rep_id
                .eq(id.clone())
                .and(
                    notes::kind
                        .ne(NoteKind::Complaint)
                        .or(cases::status.ne(CaseStatus::Open).assume_not_null()),
                )
                .or(cases::assignee_id.eq(id.clone())),
        ),
        Scope::Teams(id, teams) => query.filter(
            notes::rep_id
                .eq(id.clone())
                .or(notes::team_id.eq_any(teams.clone()))
                .or(cases::assignee_id.eq(id.clone())),
        ),
    };
    if let Some(kind) = filter.kind {
        query = query.filter(notes::kind.eq(kind));
    }
    if filter.unread_only {
        query = query.filter(note_reads::read_at.is_null());
    }
    if let Some(before) = &filter.before {
        query = query.filter(notes::id.lt(before.clone()));
    }
    query.load(conn)
}

/// A page of notes in scope, newest first.
pub fn list(
    conn: &mut DbConn,
    scope: &Scope,
    me: &StaffId,
    filter: &Filter,
) -> QueryResult<Vec<InboxItem>> {
    let now = super::now();
    Ok(load(conn, scope, me, filter, Reading::Page)?
        .into_iter()
        .map(|r| InboxItem {
            note: r.header("%-d %b %Y"),
            excerpt: excerpt(r.note.body.as_deref()),
            overdue: r.case == Some(CaseStatus::Open) && r.due_at.is_some_and(|d| d <= now),
        })
        .collect())
}

/// One note, if it is in scope. The customer's email is shown to a rep only if the customer
/// allowed a reply; managers and admins also see it on complaints, which they answer.
pub fn note(
    conn: &mut DbConn,
    scope: &Scope,
    role: Role,
    me: &StaffId,
    id: &NoteId,
) -> QueryResult<Option<NoteView>> {
    let Some(row) = load(conn, scope, me, &Filter::default(), Reading::Only(id))?.pop() else {
        return Ok(None);
    };
    let header = row.header("%-d %B %Y, %H:%M UTC");
    let note = row.note;
    let person = note
        .customer_name
        .as_deref()
        .and_then(|n| PersonName::parse(n).ok());
    let email_visible = note.allow_reply || (role != Role::Rep && note.kind == NoteKind::Complaint);
    Ok(Some(NoteView {
        note: header,
        public_name: (note.consent_publish
            && matches!(
                note.status,
                NoteStatus::AwaitingModeration | NoteStatus::Published
            ))
        .then(|| note.display.public_name(person.as_ref())),
        can_reply: note.customer_email.is_some() && note.status != NoteStatus::Erased,
        customer_email: note.customer_email.filter(|_| email_visible),
        body: note.body,
        channel: note.channel.map(|c| c.label().to_owned()),
        interaction_date: note
            .interaction_date
            .map(|d| d.format("%-d %B %Y").to_string()),
    }))
}

/// The notes either side of `id` in the viewer's inbox order: (newer, older).
pub fn neighbours(
    conn: &mut DbConn,
    scope: &Scope,
    me: &StaffId,
    id: &NoteId,
) -> QueryResult<(Option<String>, Option<String>)> {
    let all = Filter::default();
    let newer = load(conn, scope, me, &all, Reading::NewerThan(id))?;
    let older = load(conn, scope, me, &all, Reading::OlderThan(id))?;
    let first = |rows: Vec<NoteRow>| rows.into_iter().next().map(|r| r.note.id.to_string());
    Ok((first(newer), first(older)))
}

/// Marks a note read or unread for one person.
pub fn set_read(conn: &mut DbConn, me: &StaffId, id: &NoteId, read: bool) -> QueryResult<()> {
    let existing = note_reads::table
        .filter(note_reads::note_id.eq(id))
        .filter(note_reads::staff_id.eq(me));
    if read {
        if existing.count().get_result::<i64>(conn)? == 0 {
            diesel::insert_into(note_reads::table)
                .values((
                    note_reads::note_id.eq(id),
                    note_reads::staff_id.eq(me),
                    note_reads::read_at.eq(super::now()),
                ))
                .execute(conn)?;
        }
    } else {
        diesel::delete(existing).execute(conn)?;
    }
    Ok(())
}
