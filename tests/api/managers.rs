//! Managers and co-managers: a manager added to, or moved into, a team that has one chooses
//! to co-manage it or to manage a new sub-team of it; a co-manager sees and handles the
//! team's notes as its manager does, while emails keep going to its manager.

use diesel::prelude::*;
use heard::db::ids::{StaffId, TeamId};
use heard::db::schema::{staff, teams};

use crate::backend_tests;
use crate::helpers::builders::{add_member, add_team, seed_org, team};
use crate::helpers::cases::{case_status, step};
use crate::helpers::mail::templates_to;
use crate::helpers::notes::Note;
use crate::helpers::staff::{set_passwords, signed_in, staff_post};
use crate::helpers::stories::{moderate, story_id};
use crate::helpers::{Backend, TestApp, page_as, spawn_app};

fn staff_count(app: &TestApp) -> i64 {
    staff::table.count().get_result(&mut app.conn()).unwrap()
}

/// A team's (manager, parent), by name, as ids in text.
fn team_row(app: &TestApp, name: &str) -> (Option<String>, Option<String>) {
    teams::table
        .filter(teams::name.eq(name))
        .select((teams::manager_id, teams::parent_id))
        .first::<(Option<StaffId>, Option<TeamId>)>(&mut app.conn())
        .map(|(m, p)| (m.map(|m| m.to_string()), p.map(|p| p.to_string())))
        .unwrap()
}

/// A person's (role, team), by handle.
fn role_and_team(app: &TestApp, handle: &str) -> (String, Option<String>) {
    staff::table
        .filter(staff::handle.eq(handle))
        .select((staff::role, staff::team_id))
        .first::<(String, Option<TeamId>)>(&mut app.conn())
        .map(|(r, t)| (r, t.map(|t| t.to_string())))
        .unwrap()
}

/// The row of the people table that names this person.
fn people_row(html: &str, name: &str) -> String {
    let at = html.find(&format!(">{name}</a>")).expect("a row for them");
    let start = html[..at].rfind("<tr>").unwrap();
    let end = at + html[at..].find("</tr>").unwrap();
    html[start..end].to_owned()
}

/// Adding a manager to a team that has one stops with a choice, so nobody lands on an empty
/// inbox unexplained: co-manage it (shown beside its manager), or manage a new sub-team.
async fn a_second_manager_chooses_to_co_manage_or_manage_a_sub_team(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let admin = signed_in(&app, "priya@example.com").await;
    let care = app.team_id("Care");
    let add = async |name: &str, email: &str, plan: &str, sub_team: &str| {
        let fields = [
            ("name", name),
            ("email", email),
            ("role", "manager"),
            ("team", care.as_str()),
            ("handle", ""),
            ("manager", ""),
            ("manager_plan", plan),
            ("sub_team_name", sub_team),
        ];
        staff_post(&app, &admin, "/staff/people", &fields).await
    };
    let before = staff_count(&app);
    for plan in ["", "member"] {
        let res = add("Ines Moreau", "ines@example.com", plan, "").await;
        assert_eq!(res.status(), 422, "{plan:?}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains("Care is already managed by Grace Okafor. Choose below"),
            "{html}"
        );
        assert!(html.contains("value=\"sub_team\"") && html.contains("value=\"co_manager\""));
        assert!(
            html.contains("Co-manager of Care: they see and handle its notes"),
            "{html}"
        );
        assert!(
            !html.contains("value=\"member\""),
            "no joining without managing"
        );
        assert_eq!(staff_count(&app), before, "nothing added");
    }

    let res = add(
        "Ines Moreau",
        "ines@example.com",
        "sub_team",
        "Care Evenings",
    )
    .await;
    assert_eq!(res.status(), 303);
    let ines = app.staff_id("ines-moreau");
    assert_eq!(
        team_row(&app, "Care Evenings"),
        (Some(ines), Some(care.clone()))
    );

    let res = add("Omar Haddad", "omar@example.com", "co_manager", "").await;
    assert_eq!(res.status(), 303, "co-managing is allowed");
    assert_eq!(
        team_row(&app, "Care").0,
        Some(app.staff_id("grace")),
        "Grace still manages Care"
    );
    assert_eq!(
        role_and_team(&app, "omar-haddad"),
        ("manager".into(), Some(care))
    );
    let (_, people) = page_as(&admin, &app, "/staff/people").await;
    let omar = people_row(&people, "Omar Haddad");
    assert!(
        omar.contains("<td>Co-manager with Grace Okafor</td>") && omar.contains("<td>Care</td>"),
        "{omar}"
    );
    let grace = people_row(&people, "Grace Okafor");
    assert!(grace.contains("<td>Manager</td>"), "{grace}");
}

/// A co-manager sees and handles their team's notes and its sub-teams' exactly as its
/// manager does — inbox, cases, stats, queue, story review, the note page's steps — and no
/// other team's; the emails still go to the team's manager.
async fn a_co_manager_sees_and_handles_the_teams_notes(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    let ines = ("Ines Moreau", "ines@example.com", "manager", "Care", "ines");
    add_member(&app, ines);
    let noor = (
        "Noor Aziz",
        "noor@example.com",
        "rep",
        "Care Nights",
        "noor",
    );
    add_member(&app, noor);
    team(&app, "Care Nights").sits_under("Care");
    set_passwords(&app);
    let complaint = Note::complaint("maria", "Maria kept me waiting.")
        .send(&app)
        .await;
    Note::thanks("noor", "Noor stayed late for me.")
        .publishable()
        .send(&app)
        .await;
    Note::thanks("james", "James sorted my bill.")
        .publishable()
        .send(&app)
        .await;

    let ines = signed_in(&app, "ines@example.com").await;
    let (_, inbox) = page_as(&ines, &app, "/staff").await;
    assert!(
        inbox.contains("Maria kept me waiting.") && inbox.contains("Noor stayed late"),
        "{inbox}"
    );
    assert!(!inbox.contains("James sorted"), "another team's note");
    let (_, cases) = page_as(&ines, &app, "/staff/cases").await;
    assert!(cases.contains("Maria kept me waiting."), "{cases}");
    let (_, stats) = page_as(&ines, &app, "/staff/stats").await;
    assert!(stats.contains("<strong>1</strong> thank-you<"), "{stats}");
    let billing = app.team_id("Billing");
    let (status, _) = page_as(&ines, &app, &format!("/staff/stats?team={billing}")).await;
    assert_eq!(status, 403, "another team's stats");
    let (_, queue) = page_as(&ines, &app, "/staff/queue").await;
    assert!(queue.contains("Noor stayed late") && !queue.contains("James sorted"));
    let james_story = story_id(&app, "James sorted my bill.");
    let (status, _) = page_as(&ines, &app, &format!("/staff/stories/{james_story}")).await;
    assert_eq!(status, 404, "another team's story");
    let noor_story = story_id(&app, "Noor stayed late for me.");
    let res = moderate(
        &app,
        &ines,
        &noor_story,
        "publish",
        &[("body", "Noor stayed late.")],
    );
    assert_eq!(
        res.await.status(),
        303,
        "a sub-team's story is theirs to publish"
    );

    let note = complaint.id.as_str();
    let (_, page) = page_as(&ines, &app, &format!("/staff/notes/{note}")).await;
    assert!(page.contains("value=\"acknowledge\""), "{page}");
    assert!(!page.contains("handles this complaint"), "{page}");
    let res = step(
        &app,
        &ines,
        note,
        &[("step", "acknowledge"), ("message", "")],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(case_status(&app, note), "acknowledged");

    let to_ines = templates_to(&app, "ines@example.com");
    assert!(to_ines.is_empty(), "{to_ines:?}");
    let to_grace = templates_to(&app, "grace@example.com");
    assert!(
        to_grace.iter().any(|t| t == "complaint_manager"),
        "{to_grace:?}"
    );
}

/// Someone's name, email and handle, as the person form shows them.
type Who<'a> = (&'a str, &'a str, &'a str);

/// Posts the person form for someone (a rep of no team unless `changes` say otherwise), as
/// `admin`.
async fn edit_person(
    app: &TestApp,
    admin: &reqwest::Client,
    (name, email, handle): Who<'_>,
    changes: &[(&str, &str)],
) -> reqwest::Response {
    let mut fields = vec![
        ("name", name),
        ("email", email),
        ("role", "rep"),
        ("team", ""),
        ("handle", handle),
        ("manager", ""),
    ];
    for (key, value) in changes {
        match fields.iter_mut().find(|(k, _)| k == key) {
            Some(field) => field.1 = value,
            None => fields.push((key, value)),
        }
    }
    let path = format!("/staff/people/{}", app.staff_id(handle));
    staff_post(app, admin, &path, &fields).await
}

/// Editing someone into a manager of a team that has one, or moving a manager into such a
/// team, asks the same choice as adding them, and changes nothing until it is answered.
async fn an_edit_into_a_managed_team_asks_the_same_choice(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    add_member(
        &app,
        (
            "Omar Haddad",
            "omar@example.com",
            "manager",
            "Returns",
            "omar",
        ),
    );
    add_team(&app, "Warranty");
    set_passwords(&app);
    let admin = signed_in(&app, "priya@example.com").await;
    let care = app.team_id("Care");
    let edit = async |who: Who<'_>, changes: &[(&str, &str)]| {
        edit_person(&app, &admin, who, changes).await
    };

    let maria = ("Maria Lopez", "maria@example.com", "maria");
    let promoted = [("role", "manager"), ("team", care.as_str())];
    let res = edit(maria, &promoted).await;
    assert_eq!(res.status(), 422, "a rep made a manager of Care");
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Care is already managed by Grace Okafor."),
        "{html}"
    );
    assert!(html.contains("value=\"co_manager\"") && html.contains("value=\"sub_team\""));
    assert_eq!(role_and_team(&app, "maria").0, "rep", "nothing changed");
    let co = [promoted[0], promoted[1], ("manager_plan", "co_manager")];
    assert_eq!(edit(maria, &co).await.status(), 303);
    assert_eq!(
        role_and_team(&app, "maria"),
        ("manager".into(), Some(care.clone()))
    );
    assert_eq!(team_row(&app, "Care").0, Some(app.staff_id("grace")));
    let res = edit(("Maria López", "maria@example.com", "maria"), &promoted).await;
    assert_eq!(
        res.status(),
        303,
        "a co-manager's other details save as before"
    );

    let omar = ("Omar Haddad", "omar@example.com", "omar");
    let res = edit(omar, &promoted).await;
    assert_eq!(res.status(), 422, "a manager moved into Care");
    assert!(res.text().await.unwrap().contains("value=\"co_manager\""));
    assert_eq!(role_and_team(&app, "omar").1, Some(app.team_id("Returns")));
    let sub = [
        promoted[0],
        promoted[1],
        ("manager_plan", "sub_team"),
        ("sub_team_name", "Care Weekends"),
    ];
    assert_eq!(edit(omar, &sub).await.status(), 303);
    let weekends = app.team_id("Care Weekends");
    assert_eq!(role_and_team(&app, "omar").1, Some(weekends));
    assert_eq!(
        team_row(&app, "Care Weekends"),
        (Some(app.staff_id("omar")), Some(care.clone()))
    );

    let grace = ("Grace O.", "grace@example.com", "grace");
    assert_eq!(edit(grace, &promoted).await.status(), 303, "her own team");

    let warranty = app.team_id("Warranty");
    let james = ("James Park", "james@example.com", "james");
    let unmanaged = [("role", "manager"), ("team", warranty.as_str())];
    assert_eq!(edit(james, &unmanaged).await.status(), 303);
    assert_eq!(
        team_row(&app, "Warranty").0,
        Some(app.staff_id("james")),
        "a team with no manager gets them, as when added"
    );
}

backend_tests!(
    a_second_manager_chooses_to_co_manage_or_manage_a_sub_team,
    a_co_manager_sees_and_handles_the_teams_notes,
    an_edit_into_a_managed_team_asks_the_same_choice,
);
