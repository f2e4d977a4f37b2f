//! A stored note as later emails see it (acknowledgements, resolutions, replies,
//! escalations): the facts, the template context, and queueing one email about it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::outbox::{self, NewMail};
use super::responsible::{TeamRow, team};
use super::staff::Staff;
use crate::config::Secret;
use crate::db::DbConn;
use crate::db::ids::{FeedbackId, StaffId, TeamId};
use crate::db::schema::{feedback, staff};
use crate::domain::routing::Contact;
use crate::domain::{Display, PersonName};
use crate::error::AppError;
use crate::mail::render;

/// Where links in emails point, and the key receipt links are derived with.
#[derive(Clone, Copy)]
pub struct Links<'a> {
    pub secret: &'a Secret,
    pub base_url: &'a str,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = feedback)]
pub struct NoteRow {
    pub id: FeedbackId,
    pub reference: String,
    pub kind: String,
    pub rep_id: Option<StaffId>,
    pub team_id: Option<TeamId>,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub display: String,
    pub body: Option<String>,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub consent_publish: bool,
    pub receipt_generation: i32,
}

#[derive(Debug, Clone)]
pub struct NoteFacts {
    pub note: NoteRow,
    pub rep: Option<Staff>,
    pub team: Option<TeamRow>,
}

impl NoteFacts {
    pub fn load(conn: &mut DbConn, id: &FeedbackId) -> QueryResult<Option<Self>> {
        let Some(note) = feedback::table
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

    /// The values every email about this note can use (the same names as at intake).
    pub fn context(&self, links: Links<'_>) -> tera::Context {
        let n = &self.note;
        let person = n
            .customer_name
            .as_deref()
            .and_then(|s| PersonName::parse(s).ok());
        let display = Display::parse(&n.display).unwrap_or(Display::Anonymous);
        let token = super::intake::receipt_token(links.secret, &n.id, n.receipt_generation);
        let customer_name = n
            .customer_name
            .clone()
            .unwrap_or_else(|| "A customer".into());
        let mut c = tera::Context::new();
        c.insert("base_url", links.base_url);
        c.insert("reference", &n.reference);
        c.insert("kind", &n.kind);
        c.insert("body", n.body.as_deref().unwrap_or(""));
        c.insert("customer_name", &customer_name);
        c.insert("customer_label", &customer_name);
        c.insert(
            "customer_first",
            &n.customer_name
                .as_deref()
                .and_then(|s| s.split(' ').next())
                .unwrap_or("there"),
        );
        c.insert("public_name", &display.public_name(person.as_ref()));
        c.insert("rep_name", &self.rep.as_ref().map(|r| r.name.clone()));
        c.insert("rep_public", &self.rep_public());
        c.insert("team_name", &self.team.as_ref().map(|t| t.name.clone()));
        c.insert(
            "note_url",
            &format!("{}/staff/notes/{}", links.base_url, n.id),
        );
        c.insert(
            "receipt_url",
            &format!("{}/receipt/{token}", links.base_url),
        );
        c.insert("received", &n.created_at.format("%-d %B %Y").to_string());
        c.insert("consent_publish", &n.consent_publish);
        c
    }

    /// Queues one email about this note; a second with the same `key` is a no-op.
    pub fn queue(
        &self,
        conn: &mut DbConn,
        template: &str,
        key: String,
        to: &Contact,
        context: &tera::Context,
    ) -> Result<(), AppError> {
        let mut context = context.clone();
        context.insert("recipient_name", &to.name);
        let rendered = render::render(template, &context)?;
        outbox::enqueue(
            conn,
            &[NewMail::new(
                key,
                template,
                Some(&self.note.id),
                &to.name,
                &to.email,
                rendered,
            )],
        )?;
        Ok(())
    }
}
