//! `heard backup` copies a SQLite database while Heard serves it, and `heard restore` puts the
//! copy into an empty database that serves the same wall and the same receipt links at once;
//! a database that holds data is replaced only with `--force`. On PostgreSQL both commands name
//! the `pg_dump` and `pg_restore` commands to use instead.

use std::process::Command;

use crate::cli::{assert_one_line_failure, heard, run, serve, stdout};
use crate::helpers::builders::seed_org;
use crate::helpers::notes::Note;
use crate::helpers::snapshot;
use crate::helpers::{Backend, TestDb, spawn_app};

#[tokio::test]
async fn a_backup_taken_while_serving_restores_into_a_working_heard() {
    let app = spawn_app(Backend::Sqlite).await;
    seed_org(&app);
    let words = "Maria rebuilt my router settings from memory.";
    let story = Note::thanks("maria", words)
        .publishable()
        .published(&app, &["patience"])
        .await;
    let receipt = Note::thanks("maria", "Maria called me back as promised.")
        .send(&app)
        .await
        .receipt_path();
    let before = snapshot::database(&app);

    // The app keeps serving (and holding its pool) while the backup is taken.
    let backup = app.db.dir.path().join("backup.db");
    let out = run(heard(&app.db).arg("backup").arg(&backup));
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).contains("schema 2"), "{}", stdout(&out));
    let out = run(heard(&app.db).arg("backup").arg(&backup));
    assert_one_line_failure(&out, "already exists");

    let target = TestDb::new(Backend::Sqlite);
    let out = run(heard(&target).arg("restore").arg(&backup));
    assert!(out.status.success(), "{out:?}");
    let restored = snapshot::of(&mut target.connect());
    assert!(restored.rows() > 0);
    assert_eq!(
        restored.changes_since(&before),
        Vec::<String>::new(),
        "the restored database is the one backed up, row for row"
    );

    let (mut server, address) = serve(&target);
    let client = reqwest::Client::new();
    let get = |path: String| {
        let client = client.clone();
        async move {
            let res = client.get(path).send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, wall) = get(format!("{address}/wall")).await;
    assert_eq!(status, 200);
    assert!(wall.contains(words), "the same wall");
    let (status, page) = get(format!("{address}/stories/{story}")).await;
    assert_eq!(status, 200, "{page}");
    let (status, page) = get(format!("{address}{receipt}")).await;
    assert_eq!(status, 200, "the customer's link still works");
    assert!(page.contains("Maria called me back as promised."));
    let _ = server.kill();
    let _ = server.wait();

    // A database that holds data is replaced only when asked.
    let served = snapshot::of(&mut target.connect());
    let out = run(heard(&target).arg("restore").arg(&backup));
    assert_one_line_failure(&out, "already holds data");
    let after = snapshot::of(&mut target.connect());
    assert_eq!(after.changes_since(&served), Vec::<String>::new());
    let out = run(heard(&target).args(["restore", "--force"]).arg(&backup));
    assert!(out.status.success(), "{out:?}");

    let junk = app.db.dir.path().join("junk.db");
    std::fs::write(&junk, "not a database").unwrap();
    let out = run(heard(&TestDb::new(Backend::Sqlite))
        .arg("restore")
        .arg(&junk));
    assert_one_line_failure(&out, "is not a Heard backup");
}

#[test]
fn on_postgresql_the_commands_name_pg_dump_and_pg_restore() {
    let db = TestDb::new(Backend::Sqlite);
    let mut cmd: Command = heard(&db);
    let out = run(cmd
        .env("HEARD_DATABASE_URL", "postgres://heard@127.0.0.1:1/heard")
        .args(["backup", "x.db"]));
    assert_one_line_failure(&out, "pg_dump --format=custom --file=FILE");
    let out = run(heard(&db)
        .env("HEARD_DATABASE_URL", "postgres://heard@127.0.0.1:1/heard")
        .args(["restore", "x.db"]));
    assert_one_line_failure(&out, "pg_restore --no-owner");
}
