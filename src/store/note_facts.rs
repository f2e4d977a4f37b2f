//! A note with its rep and team: what permission checks and every email about the note
//! (see `mail::compose`) know of it, loaded here or, for a note being stored, built from
//! what is written. Also: queueing one email about it.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::StoreResult;
use super::notes::NewNote;
use super::outbox::{self, NewMail};
use super::responsible::{TeamRow, team};
use super::staff::Staff;
use crate::config::Secret;
use crate::db::DbConn;
use crate::db::ids::{NoteId, StaffId, TeamId};
use crate::db::schema::{notes, staff};
use crate::domain::routing::Contact;
use crate::domain::{Channel, Display, NoteKind, NoteStatus};
use crate::mail::compose::Composed;

pub use crate::mail::compose::Links;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notes)]
pub struct NoteRow {
    pub id: NoteId,
    pub reference: String,
    pub kind: NoteKind,
    pub rep_id: Option<StaffId>,
    pub team_id: Option<TeamId>,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub display: Display,
    pub body: Option<String>,
    pub channel: Option<Channel>,
    pub interaction_date: Option<NaiveDate>,
    pub status: NoteStatus,
    pub created_at: NaiveDateTime,
    pub consent_publish: bool,
    pub receipt_generation: i32,
    /// The hash of the token in the customer's current receipt link.
    pub receipt_token_hash: Option<String>,
}

impl From<&NewNote> for NoteRow {
    /// The note as it reads back once written (a new note's receipt link is the first).
    fn from(new: &NewNote) -> Self {
        Self {
            id: new.id.clone(),
            reference: new.reference.clone(),
            kind: new.kind,
            rep_id: new.rep_id.clone(),
            team_id: new.team_id.clone(),
            customer_name: new.customer_name.clone(),
            customer_email: new.customer_email.clone(),
            display: new.display,
            body: new.body.clone(),
            channel: new.channel,
            interaction_date: new.interaction_date,
            status: new.status,
            created_at: new.created_at,
            consent_publish: new.consent_publish,
            receipt_generation: 0,
            receipt_token_hash: new.receipt_token_hash.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NoteFacts {
    pub note: NoteRow,
    /// The rep the customer named, whether or not still here.
    pub rep: Option<Staff>,
    pub team: Option<TeamRow>,
}

impl NoteFacts {
    pub fn load(conn: &mut DbConn, id: &NoteId) -> QueryResult<Option<Self>> {
        let Some(note) = notes::table
            .find(id)
            .select(NoteRow::as_select())
            .first(conn)
            .optional()?
        else {
            return Ok(None);
        };
        let rep = match &note.rep_id {
            Some(r) => staff::table
                .find(r)
                .select(Staff::as_select())
                .first(conn)
                .optional()?,
            None => None,
        };
        let team = match &note.team_id {
            Some(t) => team(conn, t)?,
            None => None,
        };
        Ok(Some(Self { note, rep, team }))
    }

    /// The customer, if they left an email address (and have not been erased).
    pub fn customer(&self) -> Option<Contact> {
        self.note
            .customer_email
            .as_deref()
            .map(|e| Contact::new(self.note.customer_name.as_deref().unwrap_or(""), e))
    }

    /// How the rep may be named to the customer.
    pub fn rep_public(&self) -> String {
        match (&self.rep, &self.team) {
            (Some(r), _) if r.public_naming => r.name.clone(),
            (_, Some(t)) => format!("a member of the {} team", t.name),
            _ => "the person who helped you".into(),
        }
    }

    /// The key in the customer's current receipt link.
    pub fn receipt_token(&self, secret: &Secret) -> String {
        super::intake::issued_receipt_token(
            secret,
            &self.note.id,
            self.note.receipt_generation,
            self.note.receipt_token_hash.as_deref(),
        )
    }

    /// Queues one email about this note; a second with the same `key` is a no-op.
    pub fn queue(
        &self,
        conn: &mut DbConn,
        key: String,
        to: &Contact,
        email: Composed,
    ) -> StoreResult<()> {
        let mail = NewMail::new(
            key,
            email.name,
            Some(&self.note.id),
            &to.name,
            &to.email,
            email.rendered,
        );
        outbox::enqueue(conn, &[mail])?;
        Ok(())
    }

    /// Queues an email about this note that each person gets once, however often it is
    /// composed (the rep's copy of a complaint: at intake, or when it is acknowledged).
    pub fn queue_once(&self, conn: &mut DbConn, to: &Contact, email: Composed) -> StoreResult<()> {
        let key = format!("note:{}:{}:{}", self.note.id, email.name, to.email);
        self.queue(conn, key, to, email)
    }
}
