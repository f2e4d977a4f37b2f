//! What someone does to a case — acknowledge, assign, comment, resolve — or, for a
//! thank-you, a reply to the customer: who may, the case row, the note event and the
//! emails, in one transaction per step.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{CaseRow, authors, for_note, rights};
use crate::db::ids::{NoteId, StaffId};
use crate::db::schema::{cases, notes, staff};
use crate::db::{DbConn, write_tx};
use crate::domain::case::{CaseAction, transition};
use crate::domain::{CaseStatus, EventKind, NoteStatus, Role};
use crate::mail::compose;
use crate::store::events;
use crate::store::inbox::Scope;
use crate::store::note_facts::{Links, NoteFacts};
use crate::store::responsible::contact;
use crate::store::settings;
use crate::store::staff::Staff;
use crate::store::{StoreError, StoreResult};

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

/// Applies one step, in one transaction: the case row, the event, and any emails.
pub fn apply(
    conn: &mut DbConn,
    who: &Acting<'_>,
    note: &NoteId,
    step: &Step,
    links: Links<'_>,
) -> StoreResult<()> {
    write_tx(conn, |conn| {
        let facts = NoteFacts::load(conn, note)?.ok_or(StoreError::NotFound)?;
        if facts.note.status == NoteStatus::Erased {
            return Err(StoreError::Gone);
        }
        let taking = Taking {
            who,
            facts,
            links,
            now: crate::store::now(),
        };
        match step {
            Step::Acknowledge { message } => taking.acknowledge(conn, message.as_deref()),
            Step::Assign { to } => taking.assign(conn, to),
            Step::Comment { text } => taking.comment(conn, text),
            Step::Resolve { message } => taking.resolve(conn, message),
            Step::Reply { message } => taking.reply(conn, message),
        }
    })
}

fn refuse(field: &str, message: &str) -> StoreError {
    StoreError::invalid(field, message)
}

/// One step being taken: by whom, on which note, when, and where its emails link to.
struct Taking<'a> {
    who: &'a Acting<'a>,
    facts: NoteFacts,
    links: Links<'a>,
    now: NaiveDateTime,
}

impl Taking<'_> {
    fn in_scope(&self) -> bool {
        rights::in_scope(self.who, &self.facts)
    }

    fn may_handle(&self, conn: &mut DbConn, case: &CaseRow) -> QueryResult<bool> {
        rights::may_handle(conn, self.who, &self.facts, case)
    }

    /// The note's case and the status `action` moves it to, if this person may take it
    /// (a note out of their sight is not found). The note counts as changed.
    fn begin(&self, conn: &mut DbConn, action: CaseAction) -> StoreResult<(CaseRow, CaseStatus)> {
        let Some(case) = for_note(conn, &self.facts.note.id)? else {
            return Err(if self.in_scope() {
                refuse("case", "Only a complaint has a case.")
            } else {
                StoreError::NotFound
            });
        };
        if !self.may_handle(conn, &case)? {
            return Err(if self.in_scope() {
                StoreError::Forbidden
            } else {
                StoreError::NotFound
            });
        }
        let next = transition(case.status, action).map_err(|e| refuse("case", &e.0))?;
        diesel::update(notes::table.find(&self.facts.note.id))
            .set(notes::updated_at.eq(self.now))
            .execute(conn)?;
        Ok((case, next))
    }

    /// The note event for this step, by the person taking it.
    fn record(
        &self,
        conn: &mut DbConn,
        kind: EventKind,
        body: Option<&str>,
        public: bool,
    ) -> QueryResult<()> {
        let me = Some(&self.who.person.id);
        events::record(conn, &self.facts.note.id, kind, me, body, public, self.now)
    }

    /// The person acting, by name, as emails to staff about the step give it.
    fn staff_name(&self) -> &str {
        &self.who.person.name
    }

    /// The person acting, as the customer is told (see [`authors`]).
    fn to_customer_as(&self) -> String {
        authors::as_subject(&self.facts, self.who.person)
    }

    fn acknowledge(&self, conn: &mut DbConn, message: Option<&str>) -> StoreResult<()> {
        let (case, next) = self.begin(conn, CaseAction::Acknowledge)?;
        diesel::update(cases::table.find(&case.id))
            .set((
                cases::status.eq(next),
                cases::acknowledged_at.eq(self.now),
                cases::updated_at.eq(self.now),
            ))
            .execute(conn)?;
        self.record(conn, EventKind::Acknowledged, message, true)?;
        if let Some(customer) = self.facts.customer() {
            let name = self.to_customer_as();
            let email = compose::case_acknowledged(&self.facts, self.links, &name, message)?;
            let key = format!("case:{}:acknowledged", case.id);
            self.facts.queue(conn, key, &customer, email)?;
        }
        // Where complaints reach the rep only once acknowledged, this is that moment.
        if settings::number(conn, settings::COMPLAINT_TO_REP_AT_ONCE)? == 0
            && let Some(rep) = self.facts.rep.as_ref().filter(|r| r.active)
        {
            let email = compose::complaint_to_rep_acknowledged(&self.facts, self.links)?;
            self.facts.queue_once(conn, &contact(rep), email)?;
        }
        Ok(())
    }

    /// Someone the case may be assigned to: active, and the acting person could see their
    /// notes (a manager assigns within their teams; an admin to anyone).
    fn assignable(&self, conn: &mut DbConn, id: &StaffId) -> QueryResult<Option<Staff>> {
        let person = staff::table
            .find(id)
            .filter(staff::active.eq(true))
            .select(Staff::as_select())
            .first(conn)
            .optional()?;
        Ok(person.filter(|p| self.who.scope.covers(Some(&p.id), p.team_id.as_ref())))
    }

    fn assign(&self, conn: &mut DbConn, to: &StaffId) -> StoreResult<()> {
        let (case, _) = self.begin(conn, CaseAction::Assign)?;
        let person = self
            .assignable(conn, to)?
            .ok_or_else(|| refuse("assignee", "Choose someone on your teams."))?;
        diesel::update(cases::table.find(&case.id))
            .set((
                cases::assignee_id.eq(&person.id),
                cases::updated_at.eq(self.now),
            ))
            .execute(conn)?;
        self.record(conn, EventKind::Assigned, Some(&person.name), false)?;
        if person.id != self.who.person.id {
            let to = contact(&person);
            let (facts, name) = (&self.facts, self.staff_name());
            let email = compose::case_assigned(facts, self.links, name, case.due_at, &to)?;
            let at = self.now.and_utc().timestamp_micros();
            let key = format!("case:{}:assigned:{}:{at}", case.id, person.id);
            self.facts.queue(conn, key, &to, email)?;
        }
        Ok(())
    }

    fn comment(&self, conn: &mut DbConn, text: &str) -> StoreResult<()> {
        let (case, _) = self.begin(conn, CaseAction::Comment)?;
        self.record(conn, EventKind::Comment, Some(text), false)?;
        diesel::update(cases::table.find(&case.id))
            .set(cases::updated_at.eq(self.now))
            .execute(conn)?;
        Ok(())
    }

    fn resolve(&self, conn: &mut DbConn, message: &str) -> StoreResult<()> {
        let (case, next) = self.begin(conn, CaseAction::Resolve)?;
        diesel::update(cases::table.find(&case.id))
            .set((
                cases::status.eq(next),
                cases::resolved_at.eq(self.now),
                cases::acknowledged_at.eq(case.acknowledged_at.unwrap_or(self.now)),
                cases::resolution_note.eq(message),
                cases::updated_at.eq(self.now),
            ))
            .execute(conn)?;
        self.record(conn, EventKind::Resolved, Some(message), true)?;
        if let Some(customer) = self.facts.customer() {
            let name = self.to_customer_as();
            let email = compose::case_resolved(&self.facts, self.links, &name, message)?;
            let key = format!("case:{}:resolved", case.id);
            self.facts.queue(conn, key, &customer, email)?;
        }
        Ok(())
    }

    /// A reply to a customer who said thank you: at most three, and only if they left an
    /// address. The customer is told who wrote it.
    fn reply(&self, conn: &mut DbConn, message: &str) -> StoreResult<()> {
        if let Some(refusal) = rights::reply_refusal(conn, self.who, &self.facts)? {
            return Err(refusal);
        }
        let facts = &self.facts;
        let customer = facts.customer().ok_or(StoreError::NotFound)?;
        let sent = events::count(conn, &facts.note.id, EventKind::Reply)?;
        self.record(conn, EventKind::Reply, Some(message), true)?;
        let author = authors::for_customer(facts, self.who.person);
        let email = compose::reply_to_customer(facts, self.links, &author, message)?;
        let key = format!("note:{}:reply:{}", facts.note.id, sent + 1);
        facts.queue(conn, key, &customer, email)?;
        Ok(())
    }
}
