//! `heard demo --stories N`: published stories (and their notes) in bulk, for benchmarks.

use chrono::{Duration, NaiveDate};

use super::{new_note, new_story};
use crate::commands::progress::Progress;
use crate::db::ids::{StaffId, TeamId};
use crate::db::{DbConn, write_tx};
use crate::domain::{Channel, Display, Role};
use crate::store::notes::{self, NewNote};
use crate::store::stories::{self, NewStory, NewTag};

const BODIES: &[&str] = &[
    "She listened to the whole story before suggesting anything, and the fix worked first time.",
    "He explained the bill line by line and found a charge that should never have been there.",
    "Patient, kind and quick. I hung up smiling, which I did not expect when I dialled.",
    "They called me back exactly when they said they would. That alone made my week.",
    "I was upset and they stayed calm and warm. Problem solved in ten minutes.",
];

const TAGS: &[&str] = &[
    "patience",
    "kindness",
    "billing",
    "problem-solving",
    "clarity",
];

/// Adds `n` published stories (and their notes) in large batches, one transaction per batch.
pub fn stories(conn: &mut DbConn, n: u64) -> anyhow::Result<()> {
    use crate::db::schema::staff;
    use diesel::prelude::*;
    let reps: Vec<(StaffId, Option<TeamId>)> = staff::table
        .filter(staff::role.eq(Role::Rep))
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
    let start = crate::store::now();
    let run = uuid::Uuid::now_v7().simple().to_string();
    let mut done = 0u64;
    while done < n {
        let tx_rows = PER_TX.min(n - done);
        write_tx(conn, |c| -> diesel::QueryResult<()> {
            let mut first = done;
            while first < done + tx_rows {
                let size = BATCH.min(done + tx_rows - first);
                let (notes, published, tags) = rows(first..first + size, &reps, start, &run);
                notes::insert(c, &notes)?;
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
fn rows(
    range: std::ops::Range<u64>,
    reps: &[(StaffId, Option<TeamId>)],
    start: chrono::NaiveDateTime,
    run: &str,
) -> (Vec<NewNote>, Vec<NewStory>, Vec<NewTag>) {
    let size = (range.end - range.start) as usize;
    let mut notes = Vec::with_capacity(size);
    let mut published = Vec::with_capacity(size);
    let mut tags = Vec::with_capacity(size);
    for i in range {
        let (rep, team) = &reps[(i % reps.len() as u64) as usize];
        let at = start - Duration::seconds(i as i64);
        let body = BODIES[(i % BODIES.len() as u64) as usize];
        // Bulk references are unique by construction, not checked one by one.
        let reference = format!("B-{}-{i}", &run[..12]);
        let note = NewNote {
            customer_name: Some(format!("Customer {i}")),
            display: [Display::Full, Display::First, Display::Anonymous][(i % 3) as usize],
            interaction_date: NaiveDate::from_ymd_opt(2026, 1, 1),
            channel: Some(Channel::Phone),
            ..new_note(reference, rep, team, body, at)
        };
        let story = NewStory {
            // One in fifty featured, 50 at most: the wall pins up to 100.
            featured: i % 50 == 0 && i < 2_500,
            ..new_story(&note, Some(at))
        };
        tags.push(NewTag {
            story_id: story.id.clone(),
            tag: TAGS[(i % TAGS.len() as u64) as usize].into(),
        });
        notes.push(note);
        published.push(story);
    }
    (notes, published, tags)
}
