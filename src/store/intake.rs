//! Accepting a customer's note: the note, its story or case, and one outbox row per
//! recipient, all in one transaction. A retry with the same `Idempotency-Key` from the same
//! client returns the first result; the same content again within minutes is not stored
//! twice, and is answered with the reference only (never the first note's receipt link,
//! which would hand a stranger the key to someone else's note).

mod repeats;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::note_facts::{Links, NoteFacts, NoteRow};
use super::notes::{self, NewNote};
use super::responsible::{TeamRow, active_staff, admins, contact, manager_of, team};
use super::staff::Staff;
use super::stories::{self, NewStory};
use super::{StoreError, StoreResult, cases, settings};
use crate::config::Secret;
use crate::db::ids::{NoteId, StoryId};
use crate::db::schema::teams;
use crate::db::{DbConn, write_tx};
use crate::domain::routing::{self, Contact, Delivery, Mail, RepFacts, RoutingFacts};
use crate::domain::{NoteKind, NoteStatus, Reference, StoryStatus, Submission};
use crate::mail::compose::{self, Due};
use repeats::{Keys, answered_before, hold};

/// How long an identical note counts as a resend of the first.
pub const DUPLICATE_WINDOW_MINUTES: i64 = 10;
/// How long an `Idempotency-Key` is remembered.
pub const IDEMPOTENCY_HOURS: i64 = 24;
/// Receipts one address may be sent per hour, so Heard cannot be used to mail strangers.
pub const RECEIPTS_PER_ADDRESS_HOUR: i64 = 3;

/// What the intake needs from the running instance and the request.
pub struct IntakeContext<'a> {
    pub secret: &'a Secret,
    pub base_url: &'a str,
    /// Who is asking (a client address, or its IPv6 /64): idempotency keys are theirs alone.
    pub client: Option<String>,
    /// The public form's token (its nonce and expiry), spent with the note it brings.
    pub form_nonce: Option<(String, NaiveDateTime)>,
}

impl IntakeContext<'_> {
    fn links(&self) -> Links<'_> {
        Links {
            secret: self.secret,
            base_url: self.base_url,
        }
    }
}

/// What became of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Stored now.
    Created,
    /// The same `Idempotency-Key` from the same client: the first result again.
    Replayed,
    /// The same content again within minutes: not stored twice. Whether the receipt was
    /// sent again to the address the note carries.
    Repeat { receipt_resent: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub id: NoteId,
    pub reference: String,
    pub status: NoteStatus,
    /// The key to the receipt page: only for the one who stored the note (or their retry).
    pub receipt_token: Option<String>,
    pub outcome: Outcome,
}

/// The message for a public form token that was already used.
pub const FORM_ALREADY_SENT: &str =
    "This form was already sent. Please reload the page to send it again.";

/// The private token in a customer's receipt link, derived from the note's id and its
/// receipt generation with the secret key (so later emails can carry it), and stored only as
/// a hash. Rotating the link raises the generation, which retires the old token at once.
pub fn receipt_token(secret: &Secret, id: &NoteId, generation: i32) -> String {
    crate::signing::sign(secret, "receipt", &receipt_data(id, generation))
}

fn receipt_data(id: &NoteId, generation: i32) -> String {
    if generation == 0 {
        id.as_str().to_owned()
    } else {
        format!("{id}:{generation}")
    }
}

/// The token already in the customer's link, whichever listed key made it (the one whose hash
/// is `stored`): after a key rotation, later emails still carry the link the customer has.
/// The current key's token when none matches.
pub fn issued_receipt_token(
    secret: &Secret,
    id: &NoteId,
    generation: i32,
    stored: Option<&str>,
) -> String {
    let tokens = crate::signing::signatures(secret, "receipt", &receipt_data(id, generation));
    tokens
        .iter()
        .find(|token| Some(super::hash_token(token).as_str()) == stored)
        .or(tokens.first())
        .cloned()
        .unwrap_or_else(|| receipt_token(secret, id, generation))
}

fn unique_reference(conn: &mut DbConn) -> QueryResult<String> {
    loop {
        let candidate = Reference::generate().to_string();
        if !notes::reference_exists(conn, &candidate)? {
            return Ok(candidate);
        }
    }
}

/// Stores a note and queues its emails, or returns the note it repeats.
pub fn accept(
    conn: &mut DbConn,
    ctx: &IntakeContext<'_>,
    sub: &Submission,
    idempotency_key: Option<&str>,
) -> StoreResult<Accepted> {
    write_tx(conn, |conn| accept_in_tx(conn, ctx, sub, idempotency_key))
}

/// The steps, in this order: waiting for any request with the same words or key, the repeat
/// and the form token, the checks of the rep and team named, then the writes, the rep's row
/// last.
fn accept_in_tx(
    conn: &mut DbConn,
    ctx: &IntakeContext<'_>,
    sub: &Submission,
    idempotency_key: Option<&str>,
) -> StoreResult<Accepted> {
    let keys = Keys::new(ctx, sub, idempotency_key);
    hold(conn, &keys)?;
    // After the wait, so a note committed meanwhile is never newer than this one's clock.
    let now = super::now();
    if let Some(earlier) = answered_before(conn, ctx, &keys, now)? {
        return Ok(earlier);
    }
    spend_form_token(conn, ctx)?;
    let rep = named_rep(conn, sub)?;
    let team = chosen_team(conn, sub, rep.as_ref())?;
    let (deliveries, due) = recipients(conn, sub, rep.as_ref(), team.as_ref(), now)?;
    let (facts, token) = store_note(conn, ctx, sub, keys, (rep, team), now)?;
    open_story_or_case(conn, sub, &facts, due)?;
    queue_emails(conn, ctx.links(), &facts, &deliveries, due)?;
    // Last, so the rep's row is locked for as short a time as possible.
    if let (NoteKind::Thanks, Some(rep)) = (sub.kind, &facts.rep) {
        super::staff::count_thanks(conn, &rep.id)?;
    }
    Ok(Accepted {
        id: facts.note.id,
        reference: facts.note.reference,
        status: facts.note.status,
        receipt_token: Some(token),
        outcome: Outcome::Created,
    })
}

/// The public form's token works once: spent with the note it brings.
fn spend_form_token(conn: &mut DbConn, ctx: &IntakeContext<'_>) -> StoreResult<()> {
    if let Some((nonce, expires_at)) = &ctx.form_nonce
        && !super::limits::use_form_token(conn, nonce, *expires_at)?
    {
        return Err(StoreError::invalid("form_token", FORM_ALREADY_SENT));
    }
    Ok(())
}

/// The rep the customer named, if they named one; naming no one we know is refused.
fn named_rep(conn: &mut DbConn, sub: &Submission) -> StoreResult<Option<Staff>> {
    let Some(handle) = &sub.rep else {
        return Ok(None);
    };
    match super::staff::find_by_handle(conn, handle.as_str())? {
        Some(rep) => Ok(Some(rep)),
        None => Err(StoreError::invalid(
            "rep",
            format!("We don't know anyone called {:?} here.", handle.as_str()),
        )),
    }
}

/// The note's team: the rep's, else the one the customer chose (which must be active).
fn chosen_team(
    conn: &mut DbConn,
    sub: &Submission,
    rep: Option<&Staff>,
) -> StoreResult<Option<TeamRow>> {
    match (rep, &sub.team) {
        (Some(rep), _) => match &rep.team_id {
            Some(id) => Ok(team(conn, id)?),
            None => Ok(None),
        },
        (None, Some(slug)) => teams::table
            .filter(teams::slug.eq(slug))
            .filter(teams::active.eq(true))
            .select(TeamRow::as_select())
            .first(conn)
            .optional()?
            .map(Some)
            .ok_or_else(|| StoreError::invalid("team", "Choose a team from the list.")),
        (None, None) => Ok(None),
    }
}

/// Who is told about the note (the receipt only while its address has receipts left this
/// hour), and when a complaint is due.
fn recipients(
    conn: &mut DbConn,
    sub: &Submission,
    rep: Option<&Staff>,
    team: Option<&TeamRow>,
    now: NaiveDateTime,
) -> StoreResult<(Vec<Delivery>, Due)> {
    let (facts, due_hours) = routing_facts(conn, sub, rep, team)?;
    let mut deliveries = routing::route_new_note(&facts);
    if let Some(email) = &sub.customer_email
        && !super::outbox::may_send_receipt(conn, email.as_str(), now)?
    {
        deliveries.retain(|d| d.mail != Mail::Receipt);
    }
    let due = Due {
        at: now + Duration::hours(due_hours),
        hours: due_hours,
    };
    Ok((deliveries, due))
}

/// What routing needs to know (see `domain::routing`), and the hours a complaint is due in.
fn routing_facts(
    conn: &mut DbConn,
    sub: &Submission,
    rep: Option<&Staff>,
    team: Option<&TeamRow>,
) -> StoreResult<(RoutingFacts, i64)> {
    let rep_manager = match rep {
        Some(r) if r.active => manager_of(conn, r)?,
        _ => None,
    };
    let team_manager = match team.and_then(|t| t.manager_id.as_ref()) {
        Some(id) => active_staff(conn, id)?,
        None => None,
    };
    let complaint_to_rep_at_once = settings::number(conn, settings::COMPLAINT_TO_REP_AT_ONCE)? != 0;
    let due_hours = settings::number(conn, settings::COMPLAINT_DUE_HOURS)?;
    let facts = RoutingFacts {
        kind: sub.kind,
        rep: rep.map(|r| RepFacts {
            contact: contact(r),
            active: r.active,
            manager: rep_manager.as_ref().map(contact),
        }),
        team_manager: team_manager.as_ref().map(contact),
        team_given: team.is_some(),
        admins: admins(conn)?,
        customer: sub.customer_email.as_ref().map(|email| {
            Contact::new(
                sub.customer_name.as_ref().map_or("", |n| n.as_str()),
                email.as_str(),
            )
        }),
        complaint_to_rep_at_once,
    };
    Ok((facts, due_hours))
}

/// Writes the note; returns it as every email about it sees it, and its receipt token.
fn store_note(
    conn: &mut DbConn,
    ctx: &IntakeContext<'_>,
    sub: &Submission,
    keys: Keys,
    (rep, team): (Option<Staff>, Option<TeamRow>),
    now: NaiveDateTime,
) -> StoreResult<(NoteFacts, String)> {
    let id = NoteId::new();
    let reference = unique_reference(conn)?;
    let token = receipt_token(ctx.secret, &id, 0);
    let new = NewNote {
        id,
        reference,
        kind: sub.kind,
        rep_id: rep.as_ref().map(|r| r.id.clone()),
        team_id: team.as_ref().map(|t| t.id.clone()),
        customer_name: sub.customer_name.as_ref().map(|n| n.to_string()),
        customer_email: sub.customer_email.as_ref().map(|e| e.to_string()),
        display: sub.display,
        consent_publish: sub.consent_publish,
        allow_reply: false,
        body: Some(sub.body.as_str().into()),
        interaction_date: sub.interaction_date,
        channel: sub.channel,
        status: first_status(sub),
        receipt_token_hash: Some(super::hash_token(&token)),
        idempotency_key: keys.idempotency,
        created_at: now,
        updated_at: now,
        content_hash: Some(keys.content),
    };
    notes::insert(conn, std::slice::from_ref(&new))?;
    let note = NoteRow::from(&new);
    Ok((NoteFacts { note, rep, team }, token))
}

/// A thank-you the customer agreed to publish waits for moderation.
fn goes_to_moderation(sub: &Submission) -> bool {
    sub.kind == NoteKind::Thanks && sub.consent_publish
}

fn first_status(sub: &Submission) -> NoteStatus {
    if goes_to_moderation(sub) {
        NoteStatus::AwaitingModeration
    } else {
        NoteStatus::Received
    }
}

/// A thank-you to publish becomes a pending story; a complaint opens its case.
fn open_story_or_case(
    conn: &mut DbConn,
    sub: &Submission,
    facts: &NoteFacts,
    due: Due,
) -> StoreResult<()> {
    let note = &facts.note;
    if goes_to_moderation(sub) {
        stories::insert(
            conn,
            &[NewStory {
                id: StoryId::new(),
                note_id: note.id.clone(),
                rep_id: note.rep_id.clone(),
                team_id: note.team_id.clone(),
                body: note.body.clone(),
                edited: false,
                status: StoryStatus::Pending,
                featured: false,
                moderator_id: None,
                published_at: None,
                created_at: note.created_at,
                updated_at: note.created_at,
            }],
        )?;
    }
    if sub.kind != NoteKind::Thanks {
        cases::open(conn, &note.id, due.at)?;
    }
    Ok(())
}

/// One email per delivery, each keyed so that a person gets it once.
fn queue_emails(
    conn: &mut DbConn,
    links: Links<'_>,
    facts: &NoteFacts,
    deliveries: &[Delivery],
    due: Due,
) -> StoreResult<()> {
    for delivery in deliveries {
        let email = compose::new_note(delivery.mail, facts, links, due, &delivery.to)?;
        facts.queue_once(conn, &delivery.to, email)?;
    }
    Ok(())
}
