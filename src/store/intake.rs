//! Accepting a customer's note: the note, its story or case, and one outbox row per
//! recipient, all in one transaction. A retry with the same `Idempotency-Key` from the same
//! client returns the first result; the same content again within minutes is not stored
//! twice, and is answered with the reference only (never the first note's receipt link,
//! which would hand a stranger the key to someone else's note).

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use super::feedback::{self, NewFeedback};
use super::outbox::{self, NewMail};
use super::responsible::{TeamRow, active_staff, admins, contact, manager_of, team};
use super::staff::Staff;
use super::stories::{self, NewStory};
use super::{cases, settings};
use crate::config::Secret;
use crate::db::ids::{FeedbackId, StoryId};
use crate::db::schema::{feedback as fb, teams};
use crate::db::{DbConn, write_tx};
use crate::domain::routing::{self, Contact, Mail, RepFacts, RoutingFacts};
use crate::domain::{Display, FeedbackKind, Reference, Submission};
use crate::error::{AppError, FieldError};
use crate::mail::render;

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
    pub form_nonce: Option<(String, chrono::NaiveDateTime)>,
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
    pub id: FeedbackId,
    pub reference: String,
    pub status: String,
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
pub fn receipt_token(secret: &Secret, id: &FeedbackId, generation: i32) -> String {
    if generation == 0 {
        crate::signing::sign(secret, "receipt", id.as_str())
    } else {
        crate::signing::sign(secret, "receipt", &format!("{id}:{generation}"))
    }
}

/// What is stored of an `Idempotency-Key`: bound to the client that sent it.
fn idempotency_hash(client: Option<&str>, key: &str) -> String {
    super::hash_token(&format!("{}\u{0}{key}", client.unwrap_or("")))
}

fn content_hash(s: &Submission) -> String {
    let parts = [
        s.kind.as_str(),
        s.rep.as_ref().map_or("", |h| h.as_str()),
        s.team.as_deref().unwrap_or(""),
        s.customer_name.as_ref().map_or("", |n| n.as_str()),
        s.customer_email.as_ref().map_or("", |e| e.as_str()),
        s.body.as_str(),
    ];
    super::hash_token(&parts.join("\u{0}"))
}

fn existing(
    conn: &mut DbConn,
    id: FeedbackId,
    token: Option<String>,
    outcome: Outcome,
) -> QueryResult<Accepted> {
    let (reference, status): (String, String) = fb::table
        .find(&id)
        .select((fb::reference, fb::status))
        .first(conn)?;
    Ok(Accepted {
        receipt_token: token,
        id,
        reference,
        status,
        outcome,
    })
}

/// A retry with the same key from the same client within a day: the first result, or a
/// refusal that says nothing about the first note when the content differs. An older use
/// of the key is forgotten.
fn replay(
    conn: &mut DbConn,
    ctx: &IntakeContext<'_>,
    key_hash: &str,
    content: &str,
    now: chrono::NaiveDateTime,
) -> Result<Option<Accepted>, AppError> {
    let first: Option<(FeedbackId, Option<String>, chrono::NaiveDateTime, i32)> = fb::table
        .filter(fb::idempotency_key.eq(key_hash))
        .select((
            fb::id,
            fb::content_hash,
            fb::created_at,
            fb::receipt_generation,
        ))
        .first(conn)
        .optional()?;
    let Some((id, first_hash, created, generation)) = first else {
        return Ok(None);
    };
    if created <= now - Duration::hours(IDEMPOTENCY_HOURS) {
        diesel::update(fb::table.find(&id))
            .set(fb::idempotency_key.eq(None::<String>))
            .execute(conn)?;
        return Ok(None);
    }
    if first_hash.as_deref() != Some(content) {
        return Err(AppError::Invalid(vec![FieldError::new(
            "Idempotency-Key",
            "This key was already used for a different request. Use a new key for a new note.",
        )]));
    }
    let token = receipt_token(ctx.secret, &id, generation);
    Ok(Some(existing(conn, id, Some(token), Outcome::Replayed)?))
}

fn unique_reference(conn: &mut DbConn) -> QueryResult<String> {
    loop {
        let candidate = Reference::generate().to_string();
        if !feedback::reference_exists(conn, &candidate)? {
            return Ok(candidate);
        }
    }
}

fn long_date(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// Stores a note and queues its emails, or returns the note it repeats.
pub fn accept(
    conn: &mut DbConn,
    ctx: &IntakeContext<'_>,
    sub: &Submission,
    idempotency_key: Option<&str>,
) -> Result<Accepted, AppError> {
    write_tx(conn, |conn| accept_in_tx(conn, ctx, sub, idempotency_key))
}

fn accept_in_tx(
    conn: &mut DbConn,
    ctx: &IntakeContext<'_>,
    sub: &Submission,
    idempotency_key: Option<&str>,
) -> Result<Accepted, AppError> {
    let now = super::now();
    let hash = content_hash(sub);
    let key_hash = idempotency_key.map(|key| idempotency_hash(ctx.client.as_deref(), key));
    if let Some(key_hash) = &key_hash
        && let Some(first) = replay(conn, ctx, key_hash, &hash, now)?
    {
        return Ok(first);
    }
    let repeat: Option<FeedbackId> = fb::table
        .filter(fb::content_hash.eq(&hash))
        .filter(fb::created_at.gt(now - Duration::minutes(DUPLICATE_WINDOW_MINUTES)))
        .select(fb::id)
        .first(conn)
        .optional()?;
    if let Some(id) = repeat {
        let links = super::note_facts::Links {
            secret: ctx.secret,
            base_url: ctx.base_url,
        };
        let receipt_resent = super::receipts::resend_after_repeat(conn, links, &id, now)?;
        return Ok(existing(
            conn,
            id,
            None,
            Outcome::Repeat { receipt_resent },
        )?);
    }
    if let Some((nonce, expires_at)) = &ctx.form_nonce
        && !super::limits::use_form_token(conn, nonce, *expires_at)?
    {
        return Err(AppError::Invalid(vec![FieldError::new(
            "form_token",
            FORM_ALREADY_SENT,
        )]));
    }

    let rep: Option<Staff> = match &sub.rep {
        Some(handle) => {
            let found = super::staff::find_by_handle(conn, handle.as_str())?;
            if found.is_none() {
                return Err(AppError::Invalid(vec![FieldError::new(
                    "rep",
                    format!("We don't know anyone called {:?} here.", handle.as_str()),
                )]));
            }
            found
        }
        None => None,
    };
    let chosen_team: Option<TeamRow> = match (&rep, &sub.team) {
        (Some(rep), _) => rep
            .team_id
            .as_ref()
            .map(|id| team(conn, id))
            .transpose()?
            .flatten(),
        (None, Some(slug)) => {
            let found = teams::table
                .filter(teams::slug.eq(slug))
                .filter(teams::active.eq(true))
                .select(TeamRow::as_select())
                .first(conn)
                .optional()?;
            if found.is_none() {
                return Err(AppError::Invalid(vec![FieldError::new(
                    "team",
                    "Choose a team from the list.",
                )]));
            }
            found
        }
        (None, None) => None,
    };

    let rep_manager = match &rep {
        Some(r) if r.active => manager_of(conn, r)?,
        _ => None,
    };
    let team_manager = match &chosen_team {
        Some(t) => match &t.manager_id {
            Some(id) => active_staff(conn, id)?,
            None => None,
        },
        None => None,
    };
    let customer = sub.customer_email.as_ref().map(|email| {
        Contact::new(
            sub.customer_name.as_ref().map_or("", |n| n.as_str()),
            email.as_str(),
        )
    });
    let complaint_to_rep_at_once = settings::number(conn, settings::COMPLAINT_TO_REP_AT_ONCE)? != 0;
    let due_hours = settings::number(conn, settings::COMPLAINT_DUE_HOURS)?;
    let facts = RoutingFacts {
        kind: sub.kind,
        rep: rep.as_ref().map(|r| RepFacts {
            contact: contact(r),
            active: r.active,
            manager: rep_manager.as_ref().map(contact),
        }),
        team_manager: team_manager.as_ref().map(contact),
        team_given: chosen_team.is_some(),
        admins: admins(conn)?,
        customer,
        complaint_to_rep_at_once,
    };
    let mut deliveries = routing::route_new_note(&facts);
    if let Some(email) = &sub.customer_email
        && !super::outbox::may_send_receipt(conn, email.as_str(), now)?
    {
        deliveries.retain(|d| d.mail != Mail::Receipt);
    }

    let id = FeedbackId::new();
    let reference = unique_reference(conn)?;
    let token = receipt_token(ctx.secret, &id, 0);
    let thanks = sub.kind == FeedbackKind::Thanks;
    let status = if thanks && sub.consent_publish {
        "awaiting_moderation"
    } else {
        "received"
    };
    let routed_rep = rep.as_ref().filter(|r| r.active);
    feedback::insert(
        conn,
        &[NewFeedback {
            id: id.clone(),
            reference: reference.clone(),
            kind: sub.kind.as_str().into(),
            rep_id: rep.as_ref().map(|r| r.id.clone()),
            team_id: chosen_team.as_ref().map(|t| t.id.clone()),
            customer_name: sub.customer_name.as_ref().map(|n| n.to_string()),
            customer_email: sub.customer_email.as_ref().map(|e| e.to_string()),
            display: sub.display.as_str().into(),
            consent_publish: sub.consent_publish,
            allow_reply: false,
            body: Some(sub.body.as_str().into()),
            interaction_date: sub.interaction_date,
            channel: sub.channel.map(|c| c.as_str().into()),
            status: status.into(),
            receipt_token_hash: Some(super::hash_token(&token)),
            idempotency_key: key_hash,
            created_at: now,
            updated_at: now,
            content_hash: Some(hash),
        }],
    )?;
    if thanks && sub.consent_publish {
        stories::insert(
            conn,
            &[NewStory {
                id: StoryId::new(),
                feedback_id: id.clone(),
                rep_id: rep.as_ref().map(|r| r.id.clone()),
                team_id: chosen_team.as_ref().map(|t| t.id.clone()),
                body: Some(sub.body.as_str().into()),
                edited: false,
                status: "pending".into(),
                featured: false,
                moderator_id: None,
                published_at: None,
                created_at: now,
                updated_at: now,
            }],
        )?;
    }
    let due_at = now + Duration::hours(due_hours);
    if !thanks {
        cases::open(conn, &id, due_at)?;
    }

    let team_name = chosen_team.as_ref().map(|t| t.name.clone());
    let mut base = tera::Context::new();
    base.insert("base_url", ctx.base_url);
    base.insert("reference", &reference);
    base.insert("kind", sub.kind.as_str());
    base.insert("body", sub.body.as_str());
    base.insert("channel", &sub.channel.map(|c| c.label()));
    base.insert("interaction_date", &sub.interaction_date.map(long_date));
    let customer_name = sub
        .customer_name
        .as_ref()
        .map_or("A customer".to_owned(), |n| n.to_string());
    base.insert("customer_name", &customer_name);
    base.insert("customer_label", &customer_name);
    base.insert(
        "customer_first",
        &sub.customer_name
            .as_ref()
            .and_then(|n| n.as_str().split(' ').next().map(str::to_owned))
            .unwrap_or_else(|| "there".into()),
    );
    let display = if sub.consent_publish {
        sub.display
    } else {
        Display::Anonymous
    };
    base.insert(
        "public_name",
        &display.public_name(sub.customer_name.as_ref()),
    );
    base.insert("consent_publish", &sub.consent_publish);
    base.insert("rep_name", &routed_rep.map(|r| r.name.clone()));
    base.insert(
        "rep_hint",
        &rep.as_ref().filter(|r| !r.active).map(|r| r.name.clone()),
    );
    base.insert(
        "rep_public",
        &routed_rep.map(|r| {
            if r.public_naming {
                r.name.clone()
            } else {
                match &team_name {
                    Some(t) => format!("a member of the {t} team"),
                    None => "the person who helped you".into(),
                }
            }
        }),
    );
    base.insert("team_name", &team_name);
    base.insert("note_url", &format!("{}/staff/notes/{id}", ctx.base_url));
    base.insert("receipt_url", &format!("{}/receipt/{token}", ctx.base_url));
    base.insert("due_at", &due_at.format("%-d %B %Y, %H:%M").to_string());
    base.insert("due_hours", &due_hours);

    let mut mails = Vec::with_capacity(deliveries.len());
    for delivery in &deliveries {
        let mut context = base.clone();
        context.insert("recipient_name", &delivery.to.name);
        let template = delivery.mail.template();
        let rendered = render::render(template, &context)?;
        mails.push(NewMail::new(
            format!("note:{id}:{template}:{}", delivery.to.email),
            template,
            Some(&id),
            &delivery.to.name,
            &delivery.to.email,
            rendered,
        ));
    }
    outbox::enqueue(conn, &mails)?;
    // Last, so the rep's row is locked for as short a time as possible.
    if let (true, Some(rep)) = (thanks, &rep) {
        super::staff::count_thanks(conn, &rep.id)?;
    }
    debug_assert!(
        deliveries.iter().all(|d| d.mail != Mail::Receipt) || sub.customer_email.is_some()
    );
    Ok(Accepted {
        id,
        reference,
        status: status.into(),
        receipt_token: Some(token),
        outcome: Outcome::Created,
    })
}
