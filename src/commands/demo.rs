//! `heard demo`: a small, believable organisation to explore Heard with (created once), and
//! `--stories N` to add N published stories in bulk for benchmarks.

use anyhow::Context;
use chrono::{Duration, NaiveDate};

use super::progress::Progress;
use crate::config::Settings;
use crate::db::ids::{FeedbackId, StaffId, StoryId, TeamId};
use crate::db::{DbConn, write_tx};
use crate::domain::{Reference, StaffFields, StaffInput, TeamName};
use crate::store::audit::Actor;
use crate::store::feedback::{self, NewFeedback};
use crate::store::staff::{self, NewMember};
use crate::store::stories::{self, NewStory, NewTag};
use crate::store::{self as store, teams};

/// name, email, role, team, handle, manager email.
const PEOPLE: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "Dana Whitfield",
        "dana.whitfield@northwind.example",
        "manager",
        "Customer Experience",
        "dana",
        "",
    ),
    (
        "Priya Natarajan",
        "priya.natarajan@northwind.example",
        "admin",
        "",
        "priya",
        "",
    ),
    (
        "Grace Okafor",
        "grace.okafor@northwind.example",
        "manager",
        "Care",
        "grace",
        "",
    ),
    (
        "Tom Reyes",
        "tom.reyes@northwind.example",
        "manager",
        "Billing",
        "tom",
        "",
    ),
    (
        "Maria Lopez",
        "maria.lopez@northwind.example",
        "rep",
        "Care",
        "maria",
        "",
    ),
    (
        "Sam Okoro",
        "sam.okoro@northwind.example",
        "rep",
        "Care",
        "sam",
        "",
    ),
    (
        "Lena Fischer",
        "lena.fischer@northwind.example",
        "rep",
        "Care",
        "lena",
        "",
    ),
    (
        "James Park",
        "james.park@northwind.example",
        "rep",
        "Billing",
        "james",
        "",
    ),
    (
        "Ruth Adeyemi",
        "ruth.adeyemi@northwind.example",
        "rep",
        "Billing",
        "ruth",
        "",
    ),
    (
        "Kwame Mensah",
        "kwame.mensah@northwind.example",
        "rep",
        "Billing",
        "kwame",
        "",
    ),
];

struct Note {
    rep: &'static str,
    customer: &'static str,
    display: &'static str,
    channel: &'static str,
    days_ago: i64,
    /// Published stories carry tags; `None` leaves the note waiting for moderation or private.
    story: Option<&'static [&'static str]>,
    consent: bool,
    body: &'static str,
}

const NOTES: &[Note] = &[
    Note {
        rep: "maria",
        customer: "Denise Carter",
        display: "first",
        channel: "phone",
        days_ago: 40,
        consent: true,
        story: Some(&["kindness", "above-and-beyond"]),
        body: "I called to pause our service because money was tight before the holidays. Maria heard more than I said. She paused the bill, then quietly put me in touch with a local charity, and two days later a holiday dinner arrived for my three kids and me. I didn't ask for any of it. I just want her boss to know.",
    },
    Note {
        rep: "sam",
        customer: "Harold Singh",
        display: "full",
        channel: "phone",
        days_ago: 33,
        consent: true,
        story: Some(&["patience", "travel"]),
        body: "My mother is 84 and uses a wheelchair. Our flight was cancelled and every option online had a tight connection. Sam spent most of an afternoon on the phone with us and the airline until he found a direct flight with wheelchair assistance at both ends. Mum arrived rested and happy. Thank you, Sam.",
    },
    Note {
        rep: "lena",
        customer: "Joan Ellis",
        display: "first",
        channel: "chat",
        days_ago: 27,
        consent: true,
        story: Some(&["humour", "problem-solving"]),
        body: "My box kept switching itself off and I was sure it was broken. Lena asked me, very politely, to look at where the cat was sleeping. The cat was sleeping on the power button. She didn't laugh at me (at least not where I could hear) and saved me a replacement I didn't need.",
    },
    Note {
        rep: "james",
        customer: "Victor Osei",
        display: "anonymous",
        channel: "phone",
        days_ago: 21,
        consent: true,
        story: Some(&["patience", "billing"]),
        body: "I had been charged twice for three months and two other calls had ended with 'someone will call you back'. James stayed on the line for 28 minutes, walked through every charge with me, and didn't hang up until the refund showed as pending on my screen. That's all I wanted: someone to finish it.",
    },
    Note {
        rep: "ruth",
        customer: "Albert Nowak",
        display: "first",
        channel: "phone",
        days_ago: 16,
        consent: true,
        story: Some(&["kindness", "bereavement"]),
        body: "When my wife died I had to close her account, and I dreaded the call. Ruth was gentle and unhurried, asked about Margaret, and took care of everything in one go. Weeks later I wanted to thank her properly and spent an hour trying to find her name. I'm glad I finally can. Thank you, Ruth.",
    },
    Note {
        rep: "maria",
        customer: "Oliver Brandt",
        display: "full",
        channel: "email",
        days_ago: 12,
        consent: true,
        story: Some(&["clarity"]),
        body: "Maria explained my new contract in plain words and wrote the three things I needed to do in a short list. First time I've understood one of these.",
    },
    Note {
        rep: "kwame",
        customer: "Sofia Ricci",
        display: "first",
        channel: "in_person",
        days_ago: 9,
        consent: true,
        story: Some(&["billing", "problem-solving"]),
        body: "I came into the shop with a pile of letters I didn't understand. Kwame sorted them into 'ignore', 'pay' and 'we'll fix this', and then fixed the last pile while I waited.",
    },
    Note {
        rep: "sam",
        customer: "Priscilla Moore",
        display: "first",
        channel: "chat",
        days_ago: 6,
        consent: true,
        story: None,
        body: "Sam stayed calm while I was not. He got my internet back before my daughter's online exam. Thank you!",
    },
    Note {
        rep: "lena",
        customer: "Ken Watanabe",
        display: "full",
        channel: "phone",
        days_ago: 4,
        consent: true,
        story: None,
        body: "Lena followed up the next morning to check the fix had held. Nobody ever does that.",
    },
    Note {
        rep: "james",
        customer: "Grace Liu",
        display: "anonymous",
        channel: "email",
        days_ago: 3,
        consent: false,
        story: None,
        body: "Quick thanks to James for sorting out the direct debit date so it lines up with my pay day.",
    },
    Note {
        rep: "ruth",
        customer: "Martin Doyle",
        display: "first",
        channel: "phone",
        days_ago: 2,
        consent: true,
        story: None,
        body: "Ruth noticed I was on the wrong tariff for years and moved me to a cheaper one without my asking.",
    },
    Note {
        rep: "maria",
        customer: "Emma Clarke",
        display: "first",
        channel: "chat",
        days_ago: 1,
        consent: false,
        story: None,
        body: "Thank you Maria for your patience with my many questions this evening.",
    },
];

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
        bulk_stories(&mut conn, n)?;
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
                role: (*role).into(),
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
        let id = FeedbackId::new();
        let status = match (note.story, note.consent) {
            (Some(_), _) => "published",
            (None, true) => "awaiting_moderation",
            (None, false) => "received",
        };
        notes.push(NewFeedback {
            id: id.clone(),
            reference: unique_reference(conn)?,
            kind: "thanks".into(),
            rep_id: Some(rep.id.clone()),
            team_id: rep.team_id.clone(),
            customer_name: Some(note.customer.into()),
            customer_email: None,
            display: note.display.into(),
            consent_publish: note.consent,
            allow_reply: false,
            body: Some(note.body.into()),
            interaction_date: Some(at.date() - Duration::days(1)),
            channel: Some(note.channel.into()),
            status: status.into(),
            receipt_token_hash: None,
            idempotency_key: None,
            created_at: at,
            updated_at: at,
            content_hash: None,
        });
        if note.consent {
            let story_id = StoryId::new();
            let is_published = note.story.is_some();
            for tag in note.story.unwrap_or_default() {
                tags.push(NewTag {
                    story_id: story_id.clone(),
                    tag: (*tag).into(),
                });
            }
            published.push(NewStory {
                id: story_id,
                feedback_id: id,
                rep_id: Some(rep.id.clone()),
                team_id: rep.team_id.clone(),
                body: Some(note.body.into()),
                edited: false,
                status: if is_published { "published" } else { "pending" }.into(),
                featured: note.rep == "ruth" && is_published,
                moderator_id: None,
                published_at: is_published.then(|| at + Duration::hours(20)),
                created_at: at,
                updated_at: at,
            });
        }
    }
    feedback::insert(conn, &notes)?;
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

fn team(conn: &mut DbConn, name: &str) -> anyhow::Result<TeamId> {
    let name = TeamName::parse(name).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(teams::find_by_name(conn, &name)?
        .context("demo team missing")?
        .id)
}

fn unique_reference(conn: &mut DbConn) -> diesel::QueryResult<String> {
    loop {
        let candidate = Reference::generate().to_string();
        if !feedback::reference_exists(conn, &candidate)? {
            return Ok(candidate);
        }
    }
}

const BULK_BODIES: &[&str] = &[
    "She listened to the whole story before suggesting anything, and the fix worked first time.",
    "He explained the bill line by line and found a charge that should never have been there.",
    "Patient, kind and quick. I hung up smiling, which I did not expect when I dialled.",
    "They called me back exactly when they said they would. That alone made my week.",
    "I was upset and they stayed calm and warm. Problem solved in ten minutes.",
];

const BULK_TAGS: &[&str] = &[
    "patience",
    "kindness",
    "billing",
    "problem-solving",
    "clarity",
];

/// Adds `n` published stories (and their notes) in large batches, one transaction per batch.
fn bulk_stories(conn: &mut DbConn, n: u64) -> anyhow::Result<()> {
    use crate::db::schema::staff;
    use diesel::prelude::*;
    let reps: Vec<(StaffId, Option<TeamId>)> = staff::table
        .filter(staff::role.eq("rep"))
        .filter(staff::active.eq(true))
        .select((staff::id, staff::team_id))
        .load(conn)?;
    anyhow::ensure!(
        !reps.is_empty(),
        "there are no active reps to attach stories to"
    );
    // Rows per INSERT statement, and per transaction (each commit is a disk sync).
    const BATCH: u64 = 1000;
    const PER_TX: u64 = 25_000;
    let mut progress = Progress::new("stories", n);
    let start = store::now();
    let run = uuid::Uuid::now_v7().simple().to_string();
    let mut done = 0u64;
    while done < n {
        let tx_rows = PER_TX.min(n - done);
        write_tx(conn, |c| -> diesel::QueryResult<()> {
            let mut first = done;
            while first < done + tx_rows {
                let size = BATCH.min(done + tx_rows - first);
                let (notes, published, tags) = bulk_rows(first..first + size, &reps, start, &run);
                feedback::insert(c, &notes)?;
                stories::insert(c, &published)?;
                stories::insert_tags(c, &tags)?;
                first += size;
            }
            Ok(())
        })?;
        done += tx_rows;
        progress.advance(tx_rows);
    }
    crate::store::staff::recount_thanks(conn)?;
    // Fresh statistics, so the query planner knows how large the tables have become.
    let analyze = match conn {
        // Sampled: a full ANALYZE reads every entry of every index, seconds per million.
        DbConn::Sqlite(_) => "PRAGMA analysis_limit = 2000; ANALYZE;",
        DbConn::Pg(_) => "ANALYZE",
    };
    diesel::connection::SimpleConnection::batch_execute(conn, analyze)?;
    Ok(())
}

/// The notes, stories and tags for bulk story numbers `range`.
fn bulk_rows(
    range: std::ops::Range<u64>,
    reps: &[(StaffId, Option<TeamId>)],
    start: chrono::NaiveDateTime,
    run: &str,
) -> (Vec<NewFeedback>, Vec<NewStory>, Vec<NewTag>) {
    let size = (range.end - range.start) as usize;
    let mut notes = Vec::with_capacity(size);
    let mut published = Vec::with_capacity(size);
    let mut tags = Vec::with_capacity(size);
    for i in range {
        let (rep, team) = &reps[(i % reps.len() as u64) as usize];
        let at = start - Duration::seconds(i as i64);
        let id = FeedbackId::new();
        let story = StoryId::new();
        let body = BULK_BODIES[(i % BULK_BODIES.len() as u64) as usize];
        notes.push(NewFeedback {
            id: id.clone(),
            // Bulk references are unique by construction, not checked one by one.
            reference: format!("B-{}-{i}", &run[..12]),
            kind: "thanks".into(),
            rep_id: Some(rep.clone()),
            team_id: team.clone(),
            customer_name: Some(format!("Customer {i}")),
            customer_email: None,
            display: ["full", "first", "anonymous"][(i % 3) as usize].into(),
            consent_publish: true,
            allow_reply: false,
            body: Some(body.into()),
            interaction_date: NaiveDate::from_ymd_opt(2026, 1, 1),
            channel: Some("phone".into()),
            status: "published".into(),
            receipt_token_hash: None,
            idempotency_key: None,
            created_at: at,
            updated_at: at,
            content_hash: None,
        });
        tags.push(NewTag {
            story_id: story.clone(),
            tag: BULK_TAGS[(i % BULK_TAGS.len() as u64) as usize].into(),
        });
        published.push(NewStory {
            id: story,
            feedback_id: id,
            rep_id: Some(rep.clone()),
            team_id: team.clone(),
            body: Some(body.into()),
            edited: false,
            status: "published".into(),
            featured: i % 50 == 0,
            moderator_id: None,
            published_at: Some(at),
            created_at: at,
            updated_at: at,
        });
    }

    (notes, published, tags)
}
