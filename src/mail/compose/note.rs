//! What every email about a note may say about it, worked out once from the note's facts:
//! how the customer and the rep are named, the dates, the links.

use serde::Serialize;

use super::{Links, day};
use crate::domain::{Channel, PersonName};
use crate::store::note_facts::NoteFacts;

/// The note in the words emails use, from [`NoteFacts`] and the links.
pub(super) struct NoteView<'a> {
    pub base_url: &'a str,
    pub reference: &'a str,
    pub kind: &'a str,
    pub body: &'a str,
    /// The name the customer gave, else "A customer".
    pub customer_name: &'a str,
    /// The first word of that name, else "there" (as in "Hello there").
    pub customer_first: &'a str,
    /// The customer as the wall names them (shown only where they agreed to be published).
    pub public_name: String,
    pub consent_publish: bool,
    /// The rep the customer named, whether or not still here.
    pub rep_name: Option<&'a str>,
    /// The rep as the customer may see them named: their name if they allow it, else their team.
    pub rep_public: String,
    /// Whether the rep allows being named in public.
    pub rep_named: bool,
    pub team_name: Option<&'a str>,
    pub channel: Option<&'static str>,
    pub interaction_date: Option<String>,
    pub received: String,
    pub note_url: String,
    pub receipt_url: String,
    rep_active: bool,
}

impl<'a> NoteView<'a> {
    pub fn new(facts: &'a NoteFacts, links: Links<'a>) -> Self {
        let n = &facts.note;
        let name = n.customer_name.as_deref();
        let person = name.and_then(|s| PersonName::parse(s).ok());
        let display = n.display;
        let token = facts.receipt_token(links.secret);
        Self {
            base_url: links.base_url,
            reference: &n.reference,
            kind: n.kind.as_str(),
            body: n.body.as_deref().unwrap_or(""),
            customer_name: name.unwrap_or("A customer"),
            customer_first: name.and_then(|s| s.split(' ').next()).unwrap_or("there"),
            public_name: display.public_name(person.as_ref()),
            consent_publish: n.consent_publish,
            rep_name: facts.rep.as_ref().map(|r| r.name.as_str()),
            rep_public: facts.rep_public(),
            rep_named: facts.rep.as_ref().is_some_and(|r| r.public_naming),
            team_name: facts.team.as_ref().map(|t| t.name.as_str()),
            channel: n.channel.map(Channel::label),
            interaction_date: n.interaction_date.map(day),
            received: day(n.created_at.date()),
            note_url: format!("{}/staff/notes/{}", links.base_url, n.id),
            receipt_url: format!("{}/receipt/{token}", links.base_url),
            rep_active: facts.rep.as_ref().is_some_and(|r| r.active),
        }
    }

    /// The rep's name, in the emails about a new note: only a rep still here, whom it reached.
    pub fn reached_rep_name(&self) -> Option<&'a str> {
        self.rep_name.filter(|_| self.rep_active)
    }

    /// How the customer's receipt for a new note names the rep it reached, if it reached one.
    pub fn reached_rep_public(&self) -> Option<&str> {
        self.rep_active.then_some(self.rep_public.as_str())
    }

    /// A rep the customer named who is no longer here (a hint for whoever passes it on).
    pub fn rep_hint(&self) -> Option<&'a str> {
        self.rep_name.filter(|_| !self.rep_active)
    }
}

/// What every email to staff about a note says of it.
#[derive(Serialize)]
pub(super) struct ToStaff<'a> {
    base_url: &'a str,
    reference: &'a str,
    customer_name: &'a str,
    body: &'a str,
    note_url: &'a str,
}

/// What every email to the customer about their note carries: the greeting and their link.
#[derive(Serialize)]
pub(super) struct ToCustomer<'a> {
    base_url: &'a str,
    customer_first: &'a str,
    receipt_url: &'a str,
}

/// How the customer met the rep, as they told it.
#[derive(Serialize)]
pub(super) struct Met<'a> {
    channel: Option<&'a str>,
    interaction_date: Option<&'a str>,
}

impl NoteView<'_> {
    pub fn to_staff(&self) -> ToStaff<'_> {
        ToStaff {
            base_url: self.base_url,
            reference: self.reference,
            customer_name: self.customer_name,
            body: self.body,
            note_url: &self.note_url,
        }
    }

    pub fn to_customer(&self) -> ToCustomer<'_> {
        ToCustomer {
            base_url: self.base_url,
            customer_first: self.customer_first,
            receipt_url: &self.receipt_url,
        }
    }

    pub fn met(&self) -> Met<'_> {
        Met {
            channel: self.channel,
            interaction_date: self.interaction_date.as_deref(),
        }
    }
}
