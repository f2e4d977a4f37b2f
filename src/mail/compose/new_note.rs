//! The emails about a new note: to the rep, to their manager, to whoever passes on a note
//! that reached no one, and the customer's receipt (also sent again later).

use chrono::NaiveDateTime;
use serde::Serialize;

use super::note::{Met, NoteView, ToCustomer, ToStaff};
use super::{ComposeResult, Links, compose, minute};
use crate::domain::routing::{Contact, Mail};
use crate::store::note_facts::NoteFacts;

/// When a complaint is due for acknowledgement, and the setting it came from.
#[derive(Debug, Clone, Copy)]
pub struct Due {
    pub at: NaiveDateTime,
    pub hours: i64,
}

#[derive(Serialize)]
struct ThanksRep<'a> {
    #[serde(flatten)]
    note: ToStaff<'a>,
    #[serde(flatten)]
    met: Met<'a>,
    rep_name: Option<&'a str>,
    customer_label: &'a str,
    consent_publish: bool,
    public_name: &'a str,
}

#[derive(Serialize)]
struct ThanksManager<'a> {
    #[serde(flatten)]
    thanks: ThanksRep<'a>,
    recipient_name: &'a str,
    team_name: Option<&'a str>,
}

#[derive(Serialize)]
pub(super) struct ComplaintRep<'a> {
    #[serde(flatten)]
    note: ToStaff<'a>,
    rep_name: Option<&'a str>,
    interaction_date: Option<&'a str>,
}

#[derive(Serialize)]
struct ComplaintManager<'a> {
    #[serde(flatten)]
    note: ToStaff<'a>,
    #[serde(flatten)]
    met: Met<'a>,
    recipient_name: &'a str,
    rep_name: Option<&'a str>,
    team_name: Option<&'a str>,
    due_at: String,
}

#[derive(Serialize)]
struct NoteUnrouted<'a> {
    #[serde(flatten)]
    note: ToStaff<'a>,
    #[serde(flatten)]
    met: Met<'a>,
    recipient_name: &'a str,
    kind: &'a str,
    rep_hint: Option<&'a str>,
    team_name: Option<&'a str>,
}

#[derive(Serialize)]
struct Receipt<'a> {
    #[serde(flatten)]
    customer: ToCustomer<'a>,
    reference: &'a str,
    kind: &'a str,
    rep_public: Option<&'a str>,
    consent_publish: bool,
    public_name: &'a str,
    due_hours: i64,
}

/// The email `mail` about a just stored note, for `to`.
pub fn new_note(
    mail: Mail,
    facts: &NoteFacts,
    links: Links<'_>,
    due: Due,
    to: &Contact,
) -> ComposeResult {
    let v = NoteView::new(facts, links);
    let name = mail.template();
    match mail {
        Mail::ThanksToRep => compose(name, &thanks(&v)),
        Mail::ThanksToManager => compose(
            name,
            &ThanksManager {
                thanks: thanks(&v),
                recipient_name: &to.name,
                team_name: v.team_name,
            },
        ),
        Mail::ComplaintToRep => compose(name, &complaint_rep(&v, v.interaction_date.as_deref())),
        Mail::ComplaintToManager => compose(name, &complaint_manager(&v, due, to)),
        Mail::Unrouted => compose(name, &unrouted(&v, to)),
        Mail::Receipt => compose(
            name,
            &receipt_context(&v, v.reached_rep_public(), due.hours),
        ),
    }
}

/// The customer's receipt sent again (after a repeat, or with a new link). Unlike the first,
/// it names the rep (or the team) whether or not the note reached them, as it always has.
pub fn receipt(facts: &NoteFacts, links: Links<'_>, due_hours: i64) -> ComposeResult {
    let v = NoteView::new(facts, links);
    compose(
        Mail::Receipt.template(),
        &receipt_context(&v, Some(&v.rep_public), due_hours),
    )
}

fn thanks<'a>(v: &'a NoteView<'_>) -> ThanksRep<'a> {
    ThanksRep {
        note: v.to_staff(),
        met: v.met(),
        rep_name: v.reached_rep_name(),
        customer_label: v.customer_name,
        consent_publish: v.consent_publish,
        public_name: &v.public_name,
    }
}

fn complaint_manager<'a>(v: &'a NoteView<'_>, due: Due, to: &'a Contact) -> ComplaintManager<'a> {
    ComplaintManager {
        note: v.to_staff(),
        met: v.met(),
        recipient_name: &to.name,
        rep_name: v.reached_rep_name(),
        team_name: v.team_name,
        due_at: minute(due.at),
    }
}

/// For the team's manager or the admins, to pass on: who the customer named, if anyone.
fn unrouted<'a>(v: &'a NoteView<'_>, to: &'a Contact) -> NoteUnrouted<'a> {
    NoteUnrouted {
        note: v.to_staff(),
        met: v.met(),
        recipient_name: &to.name,
        kind: v.kind,
        rep_hint: v.rep_hint(),
        team_name: v.team_name,
    }
}

/// The rep's copy of a complaint; `interaction_date` is given only at intake (the copy sent
/// when the manager acknowledges it never said when the contact was).
pub(super) fn complaint_rep<'a>(
    v: &'a NoteView<'_>,
    interaction_date: Option<&'a str>,
) -> ComplaintRep<'a> {
    ComplaintRep {
        note: v.to_staff(),
        rep_name: v.reached_rep_name(),
        interaction_date,
    }
}

fn receipt_context<'a>(
    v: &'a NoteView<'_>,
    rep_public: Option<&'a str>,
    due_hours: i64,
) -> Receipt<'a> {
    Receipt {
        customer: v.to_customer(),
        reference: v.reference,
        kind: v.kind,
        rep_public,
        consent_publish: v.consent_publish,
        public_name: &v.public_name,
        due_hours,
    }
}
