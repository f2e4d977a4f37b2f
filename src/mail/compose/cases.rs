//! The emails as a complaint is handled (acknowledged, assigned, resolved, escalated when
//! overdue) and a staff reply to a thank-you.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::new_note::complaint_rep;
use super::note::{NoteView, ToCustomer, ToStaff};
use super::{ComposeResult, Links, compose, minute};
use crate::domain::routing::Contact;
use crate::store::note_facts::NoteFacts;

/// To the customer, when their complaint is acknowledged or resolved.
#[derive(Serialize)]
struct CaseUpdate<'a> {
    #[serde(flatten)]
    customer: ToCustomer<'a>,
    reference: &'a str,
    staff_name: &'a str,
    message: Option<&'a str>,
}

#[derive(Serialize)]
struct CaseAssigned<'a> {
    #[serde(flatten)]
    note: ToStaff<'a>,
    recipient_name: &'a str,
    staff_name: &'a str,
    rep_name: Option<&'a str>,
    due_at: String,
}

#[derive(Serialize)]
struct CaseEscalated<'a> {
    #[serde(flatten)]
    note: ToStaff<'a>,
    recipient_name: &'a str,
    rep_name: Option<&'a str>,
    team_name: Option<&'a str>,
    received: &'a str,
    due_at: String,
    manager_name: Option<&'a str>,
}

#[derive(Serialize)]
struct ReplyToCustomer<'a> {
    #[serde(flatten)]
    customer: ToCustomer<'a>,
    reference: &'a str,
    rep_public: &'a str,
    /// Who wrote the reply, as the customer is told ("Grace Okafor, Maria's manager").
    author: &'a str,
    /// Whether the person thanked wrote it themselves.
    by_rep: bool,
    message: &'a str,
}

fn update<'a>(
    v: &'a NoteView<'_>,
    staff_name: &'a str,
    message: Option<&'a str>,
) -> CaseUpdate<'a> {
    CaseUpdate {
        customer: v.to_customer(),
        reference: v.reference,
        staff_name,
        message,
    }
}

/// To the customer: `staff_name` is looking into it (with their message, if any).
pub fn case_acknowledged(
    facts: &NoteFacts,
    links: Links<'_>,
    staff_name: &str,
    message: Option<&str>,
) -> ComposeResult {
    let v = NoteView::new(facts, links);
    compose("case_acknowledged", &update(&v, staff_name, message))
}

/// To the customer: `staff_name` resolved it, and how.
pub fn case_resolved(
    facts: &NoteFacts,
    links: Links<'_>,
    staff_name: &str,
    message: &str,
) -> ComposeResult {
    let v = NoteView::new(facts, links);
    compose("case_resolved", &update(&v, staff_name, Some(message)))
}

/// The rep's copy of a complaint, where it reaches them only once acknowledged.
pub fn complaint_to_rep_acknowledged(facts: &NoteFacts, links: Links<'_>) -> ComposeResult {
    let v = NoteView::new(facts, links);
    compose("complaint_rep", &complaint_rep(&v, None))
}

/// To `to`, whom `staff_name` asked to handle the complaint.
pub fn case_assigned(
    facts: &NoteFacts,
    links: Links<'_>,
    staff_name: &str,
    due_at: NaiveDateTime,
    to: &Contact,
) -> ComposeResult {
    let v = NoteView::new(facts, links);
    let context = CaseAssigned {
        note: v.to_staff(),
        recipient_name: &to.name,
        staff_name,
        rep_name: v.rep_name,
        due_at: minute(due_at),
    };
    compose("case_assigned", &context)
}

/// To `to`, one level up: nobody acknowledged the complaint by `due_at` (it went to `manager`).
pub fn case_escalated(
    facts: &NoteFacts,
    links: Links<'_>,
    due_at: NaiveDateTime,
    manager: Option<&str>,
    to: &Contact,
) -> ComposeResult {
    let v = NoteView::new(facts, links);
    let context = CaseEscalated {
        note: v.to_staff(),
        recipient_name: &to.name,
        rep_name: v.rep_name,
        team_name: v.team_name,
        received: &v.received,
        due_at: minute(due_at),
        manager_name: manager,
    };
    compose("case_escalated", &context)
}

/// To the customer who said thank you: the rep's (or their manager's) answer; `author` is
/// who wrote it, as the customer may be told.
pub fn reply_to_customer(
    facts: &NoteFacts,
    links: Links<'_>,
    author: &str,
    message: &str,
) -> ComposeResult {
    let v = NoteView::new(facts, links);
    let context = ReplyToCustomer {
        customer: v.to_customer(),
        reference: v.reference,
        rep_public: &v.rep_public,
        author,
        by_rep: author == v.rep_public,
        message,
    };
    compose("reply_to_customer", &context)
}
