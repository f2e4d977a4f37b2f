//! Accepting a customer's note: the note, its story or case, and one outbox row per
//! recipient, all in one transaction. A retry (same content within minutes, or the same
//! `Idempotency-Key`) returns the first note instead of storing a second.

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

/// What the intake needs from the running instance.
pub struct IntakeContext<'a> {
    pub secret: &'a Secret,
    pub base_url: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub id: FeedbackId,
    pub reference: String,
    pub status: String,
    pub receipt_token: String,
    /// False when this was a resend of a note already stored.
    pub created: bool,
}

/// The private token in a customer's receipt link, derived from the note's id with the
/// secret key (so it can be shown again to a resend) and stored only as a hash.
pub fn receipt_token(secret: &Secret, id: &FeedbackId) -> String {
    crate::signing::sign(secret, "receipt", id.as_str())
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

fn existing(conn: &mut DbConn, secret: &Secret, id: FeedbackId) -> QueryResult<Accepted> {
    let (reference, status): (String, String) = fb::table
        .find(&id)
        .select((fb::reference, fb::status))
        .first(conn)?;
    Ok(Accepted {
        receipt_token: receipt_token(secret, &id),
        id,
        reference,
        status,
        created: false,
    })
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
    if let Some(key) = idempotency_key {
        let first: Option<(FeedbackId, Option<String>)> = fb::table
            .filter(fb::idempotency_key.eq(key))
            .select((fb::id, fb::content_hash))
            .first(conn)
            .optional()?;
        if let Some((id, first_hash)) = first {
            if first_hash.as_deref() != Some(hash.as_str()) {
                return Err(AppError::Conflict(
                    "This Idempotency-Key was already used for a different note.".into(),
                ));
            }
            return Ok(existing(conn, ctx.secret, id)?);
        }
    }
    let repeat: Option<FeedbackId> = fb::table
        .filter(fb::content_hash.eq(&hash))
        .filter(fb::created_at.gt(now - Duration::minutes(DUPLICATE_WINDOW_MINUTES)))
        .select(fb::id)
        .first(conn)
        .optional()?;
    if let Some(id) = repeat {
        return Ok(existing(conn, ctx.secret, id)?);
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
    let deliveries = routing::route_new_note(&facts);

    let id = FeedbackId::new();
    let reference = unique_reference(conn)?;
    let token = receipt_token(ctx.secret, &id);
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
            idempotency_key: idempotency_key.map(str::to_owned),
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
        receipt_token: token,
        created: true,
    })
}
