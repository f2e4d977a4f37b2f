//! Moderation: managers (their teams) and admins turn consented thank-you notes into public
//! stories — publish as written or edited, tag, feature, decline kindly, unpublish. Every
//! action is one transaction with its audit entry and its emails.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::inbox::Scope;
use super::outbox::{self, NewMail};
use crate::config::Secret;
use crate::db::DbConn;
use crate::db::ids::{FeedbackId, StaffId, StoryId, TeamId};
use crate::db::schema::{feedback, staff, stories, story_tags, teams};
use crate::domain::redaction::is_redaction_only;
use crate::domain::story::{StoryAction, transition};
use crate::domain::{Display, PersonName};
use crate::error::{AppError, FieldError};
use crate::mail::render;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Moderation {
    pub id: String,
    /// The note the story came from (digests that quote it are linked to it).
    #[serde(skip)]
    pub feedback_id: FeedbackId,
    pub status: String,
    pub original: Option<String>,
    pub body: Option<String>,
    /// The wall's words differ from the customer's (redacted or edited).
    pub changed: bool,
    /// Changed by more than redaction: the public story says "Edited by the moderator".
    pub edited: bool,
    pub featured: bool,
    pub tags: Vec<String>,
    pub customer: String,
    pub public_name: String,
    pub rep: Option<String>,
    pub team: Option<String>,
    pub received: String,
    pub decline_reason: Option<String>,
}

struct Row {
    id: StoryId,
    feedback_id: FeedbackId,
    status: String,
    team_id: Option<TeamId>,
    rep_id: Option<StaffId>,
    original: Option<String>,
    body: Option<String>,
    edited: bool,
    featured: bool,
    customer_name: Option<String>,
    customer_email: Option<String>,
    display: String,
    consent: bool,
    created: NaiveDateTime,
    decline_reason: Option<String>,
    published_at: Option<NaiveDateTime>,
}

type RowTuple = (
    StoryId,
    FeedbackId,
    String,
    Option<TeamId>,
    Option<StaffId>,
    Option<String>,
    Option<String>,
    bool,
    bool,
    Option<String>,
    Option<String>,
    String,
    bool,
    NaiveDateTime,
    Option<String>,
    Option<NaiveDateTime>,
);

fn load(conn: &mut DbConn, scope: &Scope, only: Option<&StoryId>) -> QueryResult<Vec<Row>> {
    let mut query = stories::table
        .inner_join(feedback::table)
        .filter(feedback::erased_at.is_null())
        .select((
            stories::id,
            stories::feedback_id,
            stories::status,
            stories::team_id,
            stories::rep_id,
            feedback::body,
            stories::body,
            stories::edited,
            stories::featured,
            feedback::customer_name,
            feedback::customer_email,
            feedback::display,
            feedback::consent_publish,
            stories::created_at,
            stories::decline_reason,
            stories::published_at,
        ))
        .order(stories::created_at.asc())
        .into_boxed();
    query = match only {
        Some(id) => query.filter(stories::id.eq(id.clone())),
        None => query.filter(stories::status.eq("pending")).limit(200),
    };
    query = match scope {
        Scope::All => query,
        Scope::Teams(_, teams) => query.filter(stories::team_id.eq_any(teams.clone())),
        Scope::Own(..) => query.filter(stories::id.eq("")),
    };
    let rows: Vec<RowTuple> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| Row {
            id: r.0,
            feedback_id: r.1,
            status: r.2,
            team_id: r.3,
            rep_id: r.4,
            original: r.5,
            body: r.6,
            edited: r.7,
            featured: r.8,
            customer_name: r.9,
            customer_email: r.10,
            display: r.11,
            consent: r.12,
            created: r.13,
            decline_reason: r.14,
            published_at: r.15,
        })
        .collect())
}

/// A rep's name, whether they may be named, and their email.
type RepNames = (String, bool, String);

fn names(conn: &mut DbConn, row: &Row) -> QueryResult<(Option<RepNames>, Option<String>)> {
    let rep = match &row.rep_id {
        Some(id) => staff::table
            .find(id)
            .select((staff::name, staff::public_naming, staff::email))
            .first(conn)
            .optional()?,
        None => None,
    };
    let team = match &row.team_id {
        Some(id) => teams::table
            .find(id)
            .select(teams::name)
            .first(conn)
            .optional()?,
        None => None,
    };
    Ok((rep, team))
}

fn view(conn: &mut DbConn, row: &Row) -> QueryResult<Moderation> {
    let (rep, team) = names(conn, row)?;
    let tags: Vec<String> = story_tags::table
        .filter(story_tags::story_id.eq(&row.id))
        .order(story_tags::tag.asc())
        .select(story_tags::tag)
        .load(conn)?;
    let person = row
        .customer_name
        .as_deref()
        .and_then(|n| PersonName::parse(n).ok());
    let display = Display::parse(&row.display).unwrap_or(Display::Anonymous);
    Ok(Moderation {
        id: row.id.to_string(),
        feedback_id: row.feedback_id.clone(),
        status: if row.consent {
            row.status.clone()
        } else {
            "withdrawn".into()
        },
        original: row.original.clone(),
        body: row.body.clone(),
        changed: row.body.is_some() && row.body != row.original,
        edited: row.edited,
        featured: row.featured,
        tags,
        customer: row
            .customer_name
            .clone()
            .unwrap_or_else(|| "A customer".into()),
        public_name: display.public_name(person.as_ref()),
        rep: rep.map(|r| r.0),
        team,
        received: row.created.format("%-d %b %Y").to_string(),
        decline_reason: row.decline_reason.clone(),
    })
}

/// Thank-you notes waiting for a decision, oldest first (complaints never get here).
pub fn queue(conn: &mut DbConn, scope: &Scope) -> QueryResult<Vec<Moderation>> {
    let rows = load(conn, scope, None)?;
    rows.iter()
        .filter(|r| r.consent)
        .map(|r| view(conn, r))
        .collect()
}

pub fn detail(conn: &mut DbConn, scope: &Scope, id: &StoryId) -> QueryResult<Option<Moderation>> {
    let rows = load(conn, scope, Some(id))?;
    rows.first().map(|r| view(conn, r)).transpose()
}

/// What an email about a story needs.
pub struct MailContext<'a> {
    pub secret: &'a Secret,
    pub base_url: &'a str,
}

fn mail_base(
    conn: &mut DbConn,
    row: &Row,
    ctx: &MailContext<'_>,
) -> QueryResult<(tera::Context, Option<(String, String)>)> {
    let (rep, team) = names(conn, row)?;
    let person = row
        .customer_name
        .as_deref()
        .and_then(|n| PersonName::parse(n).ok());
    let display = Display::parse(&row.display).unwrap_or(Display::Anonymous);
    let rep_named = rep.as_ref().is_some_and(|r| r.1);
    let rep_public = match (&rep, &team) {
        (Some((name, true, _)), _) => name.clone(),
        (_, Some(team)) => format!("a member of the {team} team"),
        _ => "the person who helped you".into(),
    };
    let generation: i32 = crate::db::schema::feedback::table
        .find(&row.feedback_id)
        .select(crate::db::schema::feedback::receipt_generation)
        .first(conn)?;
    let token = super::intake::receipt_token(ctx.secret, &row.feedback_id, generation);
    let mut c = tera::Context::new();
    c.insert("base_url", ctx.base_url);
    c.insert("public_name", &display.public_name(person.as_ref()));
    c.insert(
        "customer_first",
        &person.as_ref().map_or("there".to_owned(), |p| {
            p.as_str().split(' ').next().unwrap_or("there").to_owned()
        }),
    );
    c.insert("rep_public", &rep_public);
    c.insert("rep_named", &rep_named);
    c.insert("rep_name", &rep.as_ref().map(|r| r.0.clone()));
    c.insert("story_url", &format!("{}/stories/{}", ctx.base_url, row.id));
    c.insert("receipt_url", &format!("{}/receipt/{token}", ctx.base_url));
    Ok((c, rep.map(|r| (r.0, r.2))))
}

fn queue_mail(
    conn: &mut DbConn,
    template: &str,
    key: String,
    row: &Row,
    to: (&str, &str),
    ctx: &tera::Context,
) -> Result<(), AppError> {
    let rendered = render::render(template, ctx)?;
    outbox::enqueue(
        conn,
        &[NewMail::new(
            key,
            template,
            Some(&row.feedback_id),
            to.0,
            to.1,
            rendered,
        )],
    )?;
    Ok(())
}

fn one(conn: &mut DbConn, scope: &Scope, id: &StoryId) -> Result<Row, AppError> {
    let row = load(conn, scope, Some(id))?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?;
    if !row.consent {
        return Err(AppError::Conflict(
            "The customer withdrew their consent; this story can no longer be published.".into(),
        ));
    }
    Ok(row)
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(vec![FieldError::new(field, message)])
}

/// What a moderator publishes: the words (as written or redacted), tags, and whether featured.
pub struct Publication {
    pub body: String,
    pub tags: Vec<String>,
    pub featured: bool,
}

/// Publishes (or re-publishes with changes) a story. The customer's original words stay on
/// the note; a body changed by more than redaction (see `domain::redaction`) is marked as
/// edited, and the public story says so. First publication emails customer and rep.
pub fn publish(
    conn: &mut DbConn,
    scope: &Scope,
    moderator: &StaffId,
    id: &StoryId,
    publication: &Publication,
    ctx: &MailContext<'_>,
) -> Result<(), AppError> {
    let (body, tags, featured) = (&publication.body, &publication.tags, publication.featured);
    let row = one(conn, scope, id)?;
    let next =
        transition(&row.status, StoryAction::Publish).map_err(|e| AppError::Conflict(e.0))?;
    let body = crate::domain::FeedbackBody::parse(body).map_err(|e| invalid("body", e.0))?;
    let now = super::now();
    let first_time = row.published_at.is_none();
    diesel::update(stories::table.find(id))
        .set((
            stories::status.eq(next),
            stories::body.eq(body.as_str()),
            stories::edited.eq(!row
                .original
                .as_deref()
                .is_some_and(|o| is_redaction_only(o, body.as_str()))),
            stories::featured.eq(featured),
            stories::moderator_id.eq(moderator),
            stories::published_at.eq(row.published_at.unwrap_or(now)),
            stories::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(feedback::table.find(&row.feedback_id))
        .set((
            feedback::status.eq("published"),
            feedback::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::delete(story_tags::table.filter(story_tags::story_id.eq(id))).execute(conn)?;
    for tag in tags {
        diesel::insert_into(story_tags::table)
            .values((story_tags::story_id.eq(id), story_tags::tag.eq(tag)))
            .execute(conn)?;
    }
    if first_time {
        let (mail, rep) = mail_base(conn, &row, ctx)?;
        if let Some(email) = &row.customer_email {
            let name = row.customer_name.clone().unwrap_or_default();
            queue_mail(
                conn,
                "story_published_customer",
                format!("story:{id}:published:customer"),
                &row,
                (&name, email),
                &mail,
            )?;
        }
        if let Some((name, email)) = rep {
            queue_mail(
                conn,
                "story_published_rep",
                format!("story:{id}:published:rep"),
                &row,
                (&name, &email),
                &mail,
            )?;
        }
    }
    Ok(())
}

/// Declines a story; the customer (if they gave an email) is told kindly, with the reason.
pub fn decline(
    conn: &mut DbConn,
    scope: &Scope,
    moderator: &StaffId,
    id: &StoryId,
    reason: &str,
    ctx: &MailContext<'_>,
) -> Result<(), AppError> {
    let row = one(conn, scope, id)?;
    let next =
        transition(&row.status, StoryAction::Decline).map_err(|e| AppError::Conflict(e.0))?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(invalid(
            "reason",
            "Give the customer a short reason (up to 500 characters).",
        ));
    }
    if reason.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid(
            "reason",
            "The reason cannot contain control characters.",
        ));
    }
    let now = super::now();
    diesel::update(stories::table.find(id))
        .set((
            stories::status.eq(next),
            stories::decline_reason.eq(reason),
            stories::moderator_id.eq(moderator),
            stories::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(feedback::table.find(&row.feedback_id))
        .set((
            feedback::status.eq("declined"),
            feedback::updated_at.eq(now),
        ))
        .execute(conn)?;
    if let Some(email) = &row.customer_email {
        let (mut mail, _) = mail_base(conn, &row, ctx)?;
        mail.insert("reason", reason);
        let name = row.customer_name.clone().unwrap_or_default();
        queue_mail(
            conn,
            "story_declined",
            format!("story:{id}:declined"),
            &row,
            (&name, email),
            &mail,
        )?;
    }
    Ok(())
}

pub fn unpublish(
    conn: &mut DbConn,
    scope: &Scope,
    moderator: &StaffId,
    id: &StoryId,
) -> Result<(), AppError> {
    let row = one(conn, scope, id)?;
    let next =
        transition(&row.status, StoryAction::Unpublish).map_err(|e| AppError::Conflict(e.0))?;
    let now = super::now();
    diesel::update(stories::table.find(id))
        .set((
            stories::status.eq(next),
            stories::moderator_id.eq(moderator),
            stories::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(feedback::table.find(&row.feedback_id))
        .set((
            feedback::status.eq("unpublished"),
            feedback::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
