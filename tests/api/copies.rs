//! `heard copy --to URL` moves a whole Heard from SQLite to PostgreSQL and back: stories in
//! their thousands, notes, cases and their events, the outbox, staff and their photos. Served
//! from the copy, the wall, a rep's page, a receipt link, a staff inbox and the stories API
//! answer exactly as before; a target that holds data is refused and left as it was.

use crate::cli::{assert_one_line_failure, heard, run, serve, stdout};
use crate::faces::{camera_photo, upload};
use crate::helpers::cases::step;
use crate::helpers::notes::{Note, note_id};
use crate::helpers::staff::{set_passwords, signed_in};
use crate::helpers::{Backend, TestApp, TestDb, postgres_available, skip, snapshot, spawn_app};

/// What the public and a signed-in manager see, path by path: every body as served, but for
/// the form tokens made afresh for each page.
async fn pages(address: &str, manager: &reqwest::Client, receipt: &str) -> Vec<(String, String)> {
    let public = reqwest::Client::new();
    let mut seen = Vec::new();
    for (path, client) in [
        ("/wall", &public),
        ("/wall/maria", &public),
        ("/wall?tag=patience", &public),
        (receipt, &public),
        ("/api/v1/stories?limit=50", &public),
        ("/staff", manager),
        ("/staff/cases", manager),
    ] {
        let res = client.get(format!("{address}{path}")).send().await.unwrap();
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        assert_eq!(status, 200, "{path}: {body}");
        seen.push((path.to_owned(), without_form_tokens(&body)));
    }
    seen
}

fn without_form_tokens(html: &str) -> String {
    let token = regex::Regex::new(r#"name="(csrf|form_token)" value="[^"]*""#).unwrap();
    token
        .replace_all(html, r#"name="$1" value="""#)
        .into_owned()
}

/// A Heard with many stories and something in every kind of row.
async fn busy_heard(app: &TestApp) -> (reqwest::Client, String) {
    let out = run(heard(&app.db).args(["demo", "--stories", "10000"]));
    assert!(out.status.success(), "{out:?}");
    set_passwords(app);
    let maria = signed_in(app, "maria.lopez@northwind.example").await;
    let res = upload(app, &maria, "/staff/me/photo", &camera_photo()).await;
    assert_eq!(res.status(), 303, "a photo");
    let receipt = Note::thanks("maria", "Maria found the refund nobody else could.")
        .customer("Pat Doe", "pat@example.com")
        .publishable()
        .send(app)
        .await
        .receipt_path();
    let words = "Sam hung up on me twice.";
    Note::complaint("sam", words)
        .customer("Lee Roe", "lee@example.com")
        .send(app)
        .await;
    let grace = signed_in(app, "grace.okafor@northwind.example").await;
    let note = note_id(app, words);
    let res = step(app, &grace, &note, &[("step", "acknowledge")]).await;
    assert_eq!(res.status(), 303, "the case is acknowledged");
    (grace, receipt)
}

#[tokio::test]
async fn a_copy_to_postgresql_and_back_serves_the_same_pages() {
    if !postgres_available() {
        skip(
            "copies::a_copy_to_postgresql_and_back_serves_the_same_pages",
            "HEARD_TEST_POSTGRES_URL is not set",
        );
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    let (grace, receipt) = busy_heard(&app).await;
    let before = pages(&app.address, &grace, &receipt).await;
    let source = snapshot::database(&app);
    for table in [
        "stories",
        "notes",
        "cases",
        "note_events",
        "outbox",
        "pictures",
    ] {
        assert!(source.count(table) > 0, "the source has {table}");
    }

    let postgres = TestDb::new(Backend::Postgres);
    let out = run(heard(&app.db).args(["copy", "--to", &postgres.url]));
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout(&out).contains("every table's row count matches"),
        "{}",
        stdout(&out)
    );
    let copied = snapshot::of(&mut postgres.connect());
    assert_eq!(copied.count("stories"), source.count("stories"));

    // Copying again is refused: the target holds data now, and is left as it is.
    let out = run(heard(&app.db).args(["copy", "--to", &postgres.url]));
    assert_one_line_failure(&out, "already holds data");
    let after = snapshot::of(&mut postgres.connect());
    assert_eq!(after.changes_since(&copied), Vec::<String>::new());

    // And back, from PostgreSQL to a new SQLite database: the same rows as at first (but
    // for when each database was migrated, and the wall's version, which goes on counting).
    let back = TestDb::new(Backend::Sqlite);
    let out = run(heard(&postgres).args(["copy", "--to", &back.url]));
    assert!(out.status.success(), "{out:?}");
    let own = ["__diesel_schema_migrations", "wall_version"];
    let returned = snapshot::of(&mut back.connect()).without(&own);
    assert!(
        returned.changes_since(&source.without(&own)).is_empty(),
        "SQLite to PostgreSQL and back gives the same rows"
    );

    // Served from either copy, every page reads as before.
    let (mut server, address) = serve(&postgres);
    let served = pages(&address, &grace, &receipt).await;
    let _ = server.kill();
    let _ = server.wait();
    for ((path, was), (_, is)) in before.iter().zip(&served) {
        assert!(was == is, "{path} differs when served from PostgreSQL");
    }

    let (mut server, address) = serve(&back);
    let served = pages(&address, &grace, &receipt).await;
    let _ = server.kill();
    let _ = server.wait();
    for ((path, was), (_, is)) in before.iter().zip(&served) {
        assert!(was == is, "{path} differs after the copy back to SQLite");
    }
}
