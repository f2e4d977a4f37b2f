//! Invitations and password resets: a one-time link (only its hash stored) sent by email
//! through the outbox, in the same transaction as the token.

use chrono::Duration;
use diesel::prelude::*;

use super::outbox::{self, NewMail};
use super::staff::{self, Staff};
use super::teams;
use super::tokens::{self, TokenKind};
use super::{StoreError, StoreResult};
use crate::db::DbConn;
use crate::mail::compose::{self, Composed};

pub const INVITATION_DAYS: i64 = 7;
pub const RESET_MINUTES: i64 = 60;

/// Queues an email carrying a one-time link to `person`, once per token.
fn enqueue(conn: &mut DbConn, person: &Staff, token: &str, email: Composed) -> StoreResult<()> {
    let key = format!("{}:{}", email.name, super::hash_token(token));
    let mail = NewMail::new(
        key,
        email.name,
        None,
        &person.name,
        &person.email,
        email.rendered,
    );
    outbox::enqueue(conn, &[mail])?;
    Ok(())
}

/// Invites someone to choose a password (again, if they were invited before).
pub fn invite(conn: &mut DbConn, person: &Staff, inviter: &str, base_url: &str) -> StoreResult<()> {
    let token = tokens::create(
        conn,
        TokenKind::Invitation,
        Some(&person.id),
        Duration::days(INVITATION_DAYS),
    )?;
    let team = match &person.team_id {
        Some(t) => Some(teams::find(conn, t)?.name),
        None => None,
    };
    let expires = super::now() + Duration::days(INVITATION_DAYS);
    let email = compose::invitation(base_url, person, team.as_deref(), inviter, &token, expires)?;
    enqueue(conn, person, &token, email)
}

/// Sends a reset link if the address belongs to an active account; says nothing either way.
pub fn request_reset(conn: &mut DbConn, email: &str, base_url: &str) -> StoreResult<()> {
    let Some(person) = staff::find_by_email(conn, email)?.filter(|p| p.active) else {
        return Ok(());
    };
    let token = tokens::create(
        conn,
        TokenKind::PasswordReset,
        Some(&person.id),
        Duration::minutes(RESET_MINUTES),
    )?;
    let email = compose::password_reset(base_url, &person.name, &token)?;
    enqueue(conn, &person, &token, email)
}

/// Uses up the token and sets the password; every session of that person ends.
pub fn set_password_with(
    conn: &mut DbConn,
    kind: TokenKind,
    token: &str,
    hash: &str,
) -> QueryResult<Option<Staff>> {
    let Some(id) = tokens::consume(conn, kind, token)? else {
        return Ok(None);
    };
    let Some(person) = staff::find(conn, &id)?.filter(|p| p.active) else {
        return Ok(None);
    };
    staff::set_password(conn, &id, hash)?;
    tokens::use_up_for(conn, TokenKind::PasswordReset, &id)?;
    tokens::use_up_for(conn, TokenKind::Invitation, &id)?;
    // Whoever proved they hold the mailbox starts with a clean slate of wrong passwords.
    super::limits::login_clear(conn, &person.email.to_lowercase())?;
    staff::find(conn, &id).map(|p| p.or(Some(person)))
}

/// Takes a "forgot my password" request for later: the same single insert whether or not
/// the address has an account, so the answer takes the same time either way.
pub fn queue_reset(conn: &mut DbConn, email: &str) -> QueryResult<()> {
    use crate::db::schema::reset_requests;
    diesel::insert_into(reset_requests::table)
        .values((
            reset_requests::id.eq(uuid::Uuid::now_v7().to_string()),
            reset_requests::email.eq(email),
            reset_requests::requested_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Serves queued reset requests (the mail worker calls this): a link for each address that
/// belongs to an active account, nothing for the others. Returns how many were served.
pub fn serve_reset_requests(conn: &mut DbConn, base_url: &str) -> StoreResult<usize> {
    use crate::db::schema::reset_requests;
    const BATCH: usize = 100;
    let mut served = 0;
    loop {
        let waiting: Vec<(String, String)> = reset_requests::table
            .order(reset_requests::requested_at.asc())
            .select((reset_requests::id, reset_requests::email))
            .limit(BATCH as i64)
            .load(conn)?;
        for (id, email) in &waiting {
            crate::db::write_tx(conn, |c| {
                // Claimed by deleting: another instance serving the same row finds nothing.
                let claimed = diesel::delete(reset_requests::table.find(id)).execute(c)?;
                if claimed == 1 {
                    request_reset(c, email, base_url)?;
                }
                Ok::<_, StoreError>(())
            })?;
        }
        served += waiting.len();
        if waiting.len() < BATCH {
            return Ok(served);
        }
    }
}
