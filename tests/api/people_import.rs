//! Admins import staff from a CSV, pasted or uploaded: a preview that numbers rows as the
//! file does, each row's problems under it, and nothing written until every row is right.

use diesel::prelude::*;
use heard::db::schema::staff;

use crate::backend_tests;
use crate::helpers::builders::seed_org;
use crate::helpers::mail::link_in_mail;
use crate::helpers::staff::{set_passwords, signed_in, staff_post, upload_body};
use crate::helpers::{Backend, TestApp, spawn_app};

fn staff_count(app: &TestApp) -> i64 {
    staff::table.count().get_result(&mut app.conn()).unwrap()
}

async fn csv_imports_are_previewed_before_anything_is_written(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let admin = signed_in(&app, "priya@example.com").await;
    let import = async |csv: &str, step: &str| {
        staff_post(
            &app,
            &admin,
            "/staff/people/import",
            &[("csv", csv), ("step", step)],
        )
        .await
    };
    let before = staff_count(&app);
    let bad = "name,email,role,team\nLena Fischer,lena@example.com,rep,Care\nBo,not-an-email,rep,Care\nMaria Again,maria@example.com,rep,Care\n";
    for step in ["preview", "import"] {
        let res = import(bad, step).await;
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        assert!(
            html.contains("email: That doesn&#x27;t look like an email address"),
            "{html}"
        );
        assert!(
            !html.contains("value=\"import\""),
            "no import button while rows are wrong"
        );
        assert_eq!(staff_count(&app), before, "{step} wrote nothing");
    }
    let good = "name,email,role,team\nLena Fischer,lena@example.com,rep,Care\nTom Reyes,tom@example.com,manager,Billing\n";
    let res = import(good, "preview").await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("value=\"import\""));
    assert_eq!(staff_count(&app), before, "a preview writes nothing");
    let res = import(good, "import").await;
    assert_eq!(res.status(), 303);
    assert_eq!(staff_count(&app), before + 2);
    link_in_mail(&app, "tom@example.com", "invitation");
}

/// The preview numbers rows as the file does (header line 1, whatever the line endings),
/// takes roles in any case, shows each row's problems under it, and creates a team only
/// when asked, naming the close matches otherwise.
async fn the_import_preview_matches_the_file(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let admin = signed_in(&app, "priya@example.com").await;
    let before = staff_count(&app);
    let csv = "name,email,role,team\r\nLena Fischer,lena@example.com,Manager,Care\r\n\r\nTom Reyes,tom@example.com,ADMIN,\r\nBo Diaz,bo@example.com,rep,Cares\r\n";
    let import = async |step: &str, create: &str| {
        let fields = [("csv", csv), ("step", step), ("create_teams", create)];
        staff_post(&app, &admin, "/staff/people/import", &fields).await
    };
    let res = import("preview", "").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(!html.contains(">Problems<"), "no column to scroll to");
    let row = html
        .find("<td>5</td><td>Bo Diaz</td>")
        .expect("Bo on line 5");
    let problem = html
        .find("Line 5: team: there is no team named Cares (did you mean Care?)")
        .expect("Bo's problem");
    assert!(problem > row, "the problem follows its row");
    assert!(html.contains("<td>2</td><td>Lena Fischer</td>"), "{html}");
    assert!(html.contains("<td>4</td><td>Tom Reyes</td>"), "{html}");
    assert!(
        !html.contains("Line 2:") && !html.contains("Line 4:"),
        "roles in any case"
    );
    assert_eq!(import("import", "").await.status(), 422);
    assert_eq!(staff_count(&app), before, "nothing written");
    let res = import("preview", "on").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("name=\"create_teams\" value=\"on\" checked")
    );
    assert_eq!(import("import", "on").await.status(), 303);
    assert_eq!(staff_count(&app), before + 3);
    app.team_id("Cares");
}

/// The import takes an uploaded file as well as pasted text: previewed the same way,
/// CSRF-checked and capped in size.
async fn the_import_accepts_an_uploaded_file(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let admin = signed_in(&app, "priya@example.com").await;
    let send = async |token: &str, file: &[u8]| {
        let (kind, body) = upload_body(&[("csrf", token)], file);
        admin
            .post(app.url("/staff/people/import/file"))
            .header("content-type", kind)
            .body(body)
            .send()
            .await
            .unwrap()
    };
    let token = crate::helpers::staff::csrf(&app, &admin).await;
    let csv = "\u{feff}name,email,role,team\r\nLena Fischer,lena@example.com,rep,Care\r\n";
    let res = send(&token, csv.as_bytes()).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("<td>2</td><td>Lena Fischer</td>"), "{html}");
    assert!(html.contains("value=\"import\""), "ready to import");
    assert!(
        html.contains("lena@example.com,rep,Care"),
        "the text carried to the form"
    );
    assert_eq!(send("forged", csv.as_bytes()).await.status(), 403);
    let huge = format!("name,email,role\n{}", "x".repeat(1024 * 1024 + 1));
    assert_eq!(send(&token, huge.as_bytes()).await.status(), 400);
    assert_eq!(send(&token, &[0xff, 0xfe, 0x00]).await.status(), 422);
}

/// A file as large as an upload may be still goes from its preview to the import, which
/// posts its text back as a form (larger than other forms may be).
async fn a_large_file_can_be_previewed_as_pasted_text(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let admin = signed_in(&app, "priya@example.com").await;
    let mut csv = String::from("name,email,role,team\n");
    for n in 0..1500 {
        csv.push_str(&format!(
            "Person Number {n},person.{n}@example.com,rep,Care\n"
        ));
    }
    assert!(csv.len() > 64 * 1024, "{} bytes", csv.len());
    let fields = [
        ("csv", csv.as_str()),
        ("step", "preview"),
        ("create_teams", ""),
    ];
    let res = staff_post(&app, &admin, "/staff/people/import", &fields).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("All 1500 rows are ready to import."),
        "{html}"
    );
}

backend_tests!(
    a_large_file_can_be_previewed_as_pasted_text,
    csv_imports_are_previewed_before_anything_is_written,
    the_import_preview_matches_the_file,
    the_import_accepts_an_uploaded_file,
);
