//! `/wall/about`: how stories reach the wall, and per team this year's thank-you notes and
//! stories, with complaints acknowledged in time only when the organisation shows them.
//! Teams, never individuals.

use chrono::{Datelike, Duration};
use diesel::prelude::*;
use heard::db::schema::{cases, notes};

use crate::backend_tests;
use crate::helpers::builders::{seed_org, set_setting};
use crate::helpers::cases::step;
use crate::helpers::notes::Note;
use crate::helpers::staff::{set_passwords, signed_in};
use crate::helpers::{Backend, spawn_app};

/// A team's row: its name, then its cells.
fn row(html: &str, team: &str) -> Vec<String> {
    let start = html
        .find(&format!("<th scope=\"row\">{team}</th>"))
        .unwrap_or_else(|| panic!("no row for {team}: {html}"));
    let rest = &html[start..];
    let end = rest.find("</tr>").expect("the row's end");
    rest[..end]
        .split("<td>")
        .skip(1)
        .map(|cell| cell.split("</td>").next().unwrap_or_default().to_owned())
        .collect()
}

async fn the_wall_explains_itself_and_counts_by_team(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    Note::thanks("maria", "Maria fixed the line.")
        .publishable()
        .published(&app, &[])
        .await;
    Note::thanks("sam", "Sam called back as promised.")
        .send(&app)
        .await;
    Note::thanks("james", "James sorted the refund.")
        .send(&app)
        .await;
    // A thank-you from last year counts for last year only.
    let old = Note::thanks("maria", "Maria helped me last winter.")
        .send(&app)
        .await;
    let new_year = heard::store::now()
        .date()
        .with_ordinal(1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    diesel::update(notes::table.find(&old.id))
        .set(notes::created_at.eq(new_year - Duration::days(2)))
        .execute(&mut app.conn())
        .unwrap();
    // A complaint about Maria acknowledged in time; one about James left past its deadline.
    let on_time = Note::complaint("maria", "I was cut off twice.")
        .send(&app)
        .await;
    let late = Note::complaint("james", "Nobody called back.")
        .send(&app)
        .await;
    diesel::update(cases::table.filter(cases::note_id.eq(&late.id)))
        .set(cases::due_at.eq(heard::store::now() - Duration::hours(1)))
        .execute(&mut app.conn())
        .unwrap();
    let grace = signed_in(&app, "grace@example.com").await;
    let ack = [("step", "acknowledge"), ("message", "Sorry; I am on it.")];
    assert_eq!(step(&app, &grace, &on_time.id, &ack).await.status(), 303);

    let (status, page) = app.page("/wall/about").await;
    assert_eq!(status, 200);
    assert!(page.contains("ticked “you may publish this”"), "{page}");
    assert!(page.contains("withdraws consent at any time"));
    assert!(page.contains("Edited by the moderator"));
    assert_eq!(
        row(&page, "Care"),
        ["2", "1"],
        "Maria's and Sam's, one published"
    );
    assert_eq!(row(&page, "Billing"), ["1", "0"]);
    assert!(page.contains("3 thank-you notes received in"), "{page}");
    for person in ["Maria", "Sam", "James", "Grace"] {
        assert!(!page.contains(person), "no one is named: {person}");
    }
    assert!(
        !page.contains("acknowledged within"),
        "not shown unless chosen"
    );

    set_setting(&app, heard::store::settings::WALL_RESPONSE_TIMES.0, 1);
    let (_, page) = app.page("/wall/about").await;
    assert!(
        page.contains("Complaints acknowledged within 48 hours"),
        "{page}"
    );
    assert_eq!(row(&page, "Care"), ["2", "1", "1 of 1"]);
    assert_eq!(row(&page, "Billing"), ["1", "0", "0 of 1"]);
}

backend_tests!(the_wall_explains_itself_and_counts_by_team);
