//! `heard demo`: a small, believable organisation to explore Heard with (created once), and
//! `--stories N` to add N published stories in bulk for benchmarks.

mod bulk;
mod data;

use anyhow::Context;
use chrono::{Duration, NaiveDateTime};

use crate::config::Settings;
use crate::db::ids::{NoteId, StaffId, StoryId, TeamId};
use crate::db::{DbConn, write_tx};
use crate::domain::{
    Display, NoteKind, NoteStatus, Reference, StaffFields, StaffInput, StoryStatus, TeamName,
};
use crate::store::audit::Actor;
use crate::store::notes::{self, NewNote};
use crate::store::staff::{self, NewMember};
use crate::store::stories::{self, NewStory, NewTag};
use crate::store::{self as store, teams};
use data::{NOTES, PEOPLE};

pub fn run(settings: &Settings, extra_stories: Option<u64>) -> anyhow::Result<()> {
    let mut conn = super::open_db(settings)?;
    let created = write_tx(&mut conn, create_organisation)?;
    if created {
        println!(
            "created the demo organisation: {} staff, {} thank-you notes ({} published stories)",
            PEOPLE.len(),
            NOTES.len(),
            NOTES.iter().filter(|n| n.story.is_some()).count()
        );
    } else {
        println!("the demo organisation is already here");
    }
    if let Some(n) = extra_stories.filter(|n| *n > 0) {
        bulk::stories(&mut conn, n)?;
        println!("added {n} published stories");
    }
    Ok(())
}

fn exists(conn: &mut DbConn) -> diesel::QueryResult<bool> {
    Ok(staff::find_by_email(conn, PEOPLE[0].1)?.is_some())
}

fn create_organisation(conn: &mut DbConn) -> anyhow::Result<bool> {
    if exists(conn)? {
        return Ok(false);
    }
    let members = PEOPLE
        .iter()
        .map(|(name, email, role, team, handle, manager)| {
            let fields = StaffFields {
                name: (*name).into(),
                email: (*email).into(),
                role: role.as_str().into(),
                team: (*team).into(),
                handle: (*handle).into(),
                manager_email: (*manager).into(),
            };
            StaffInput::parse(&fields)
                .map(|input| NewMember {
                    input,
                    password_hash: None,
                })
                .map_err(|e| anyhow::anyhow!("demo data is invalid: {e:?}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    staff::add_all(conn, &members, &Actor::System("demo")).map_err(|e| anyhow::anyhow!("{e}"))?;
    let cx = team(conn, "Customer Experience")?;
    for name in ["Care", "Billing"] {
        let child = team(conn, name)?;
        teams::set_parent(conn, &child, &cx)?;
    }
    let today = store::now();
    let mut notes = Vec::new();
    let mut published = Vec::new();
    let mut tags = Vec::new();
    for note in NOTES {
        let rep = staff::find_by_handle(conn, note.rep)?.context("demo rep missing")?;
        let at = today - Duration::days(note.days_ago);
        let status = match (note.story, note.consent) {
            (Some(_), _) => NoteStatus::Published,
            (None, true) => NoteStatus::AwaitingModeration,
            (None, false) => NoteStatus::Received,
        };
        let row = NewNote {
            customer_name: Some(note.customer.into()),
            display: note.display,
            consent_publish: note.consent,
            interaction_date: Some(at.date() - Duration::days(1)),
            channel: Some(note.channel),
            status,
            ..new_note(
                unique_reference(conn)?,
                &rep.id,
                &rep.team_id,
                note.body,
                at,
            )
        };
        if note.consent {
            let published_at = note.story.is_some().then(|| at + Duration::hours(20));
            let story = NewStory {
                featured: note.rep == "ruth" && published_at.is_some(),
                ..new_story(&row, published_at)
            };
            for tag in note.story.unwrap_or_default() {
                tags.push(NewTag {
                    story_id: story.id.clone(),
                    tag: (*tag).into(),
                });
            }
            published.push(story);
        }
        notes.push(row);
    }
    notes::insert(conn, &notes)?;
    stories::insert(conn, &published)?;
    stories::insert_tags(conn, &tags)?;
    staff::recount_thanks(conn)?;
    // Kwame prefers not to be named in public: his stories say "a member of the Billing team".
    diesel::RunQueryDsl::execute(
        diesel::update(crate::db::schema::staff::table)
            .filter(diesel::ExpressionMethods::eq(
                crate::db::schema::staff::handle,
                "kwame",
            ))
            .set(diesel::ExpressionMethods::eq(
                crate::db::schema::staff::public_naming,
                false,
            )),
        conn,
    )?;
    Ok(true)
}

/// A published thank-you note to `rep`, sent at `at` with consent to publish it, with no
/// customer details; callers set what differs.
fn new_note(
    reference: String,
    rep: &StaffId,
    team: &Option<TeamId>,
    body: &str,
    at: NaiveDateTime,
) -> NewNote {
    NewNote {
        id: NoteId::new(),
        reference,
        kind: NoteKind::Thanks,
        rep_id: Some(rep.clone()),
        team_id: team.clone(),
        customer_name: None,
        customer_email: None,
        display: Display::Anonymous,
        consent_publish: true,
        allow_reply: false,
        body: Some(body.into()),
        interaction_date: None,
        channel: None,
        status: NoteStatus::Published,
        receipt_token_hash: None,
        idempotency_key: None,
        created_at: at,
        updated_at: at,
        content_hash: None,
    }
}

/// The story of `note`: published at `published_at`, or pending moderation.
fn new_story(note: &NewNote, published_at: Option<NaiveDateTime>) -> NewStory {
    NewStory {
        id: StoryId::new(),
        note_id: note.id.clone(),
        rep_id: note.rep_id.clone(),
        team_id: note.team_id.clone(),
        body: note.body.clone(),
        edited: false,
        status: if published_at.is_some() {
            StoryStatus::Published
        } else {
            StoryStatus::Pending
        },
        featured: false,
        moderator_id: None,
        published_at,
        created_at: note.created_at,
        updated_at: note.updated_at,
    }
}

fn team(conn: &mut DbConn, name: &str) -> anyhow::Result<TeamId> {
    let name = TeamName::parse(name).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(teams::find_by_name(conn, &name)?
        .context("demo team missing")?
        .id)
}

fn unique_reference(conn: &mut DbConn) -> diesel::QueryResult<String> {
    loop {
        let candidate = Reference::generate().to_string();
        if !notes::reference_exists(conn, &candidate)? {
            return Ok(candidate);
        }
    }
}
