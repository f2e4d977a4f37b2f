//! Safe upgrades: `heard migrate --dry-run` lists what would be applied and applies nothing,
//! and every command that opens the database (`serve` first) refuses one that a newer Heard
//! has migrated, in one line naming both releases, changing nothing.

use std::time::{Duration, Instant};

use diesel::prelude::*;

use crate::backend_tests_blocking;
use crate::cli::{assert_one_line_failure, heard, run, stdout};
use crate::helpers::{Backend, TestDb};

/// The migrations this Heard carries for `backend`.
fn shipped(backend: Backend) -> usize {
    let dir = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dir);
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().join("up.sql").exists())
        .count()
}

fn dry_run_lists_what_migrate_then_applies(backend: Backend) {
    let db = TestDb::new(backend);
    let out = run(heard(&db).args(["migrate", "--dry-run"]));
    assert!(out.status.success(), "{out:?}");
    let listed = stdout(&out)
        .lines()
        .filter(|l| l.starts_with("pending "))
        .count();
    assert_eq!(listed, shipped(backend), "{}", stdout(&out));
    assert!(stdout(&out).contains(&format!("{listed} migration(s) pending; none applied")));

    let out = run(heard(&db).arg("migrate"));
    assert!(
        stdout(&out).contains(&format!("{listed} migration(s) applied")),
        "the dry run applied none: {}",
        stdout(&out)
    );
    let out = run(heard(&db).args(["migrate", "--dry-run"]));
    assert!(stdout(&out).contains("0 migration(s) pending"), "{out:?}");
}

fn a_database_from_a_newer_heard_is_refused(backend: Backend) {
    let db = TestDb::new(backend);
    assert!(run(heard(&db).arg("migrate")).status.success());
    let mut conn = db.connect();
    diesel::sql_query("INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000000')")
        .execute(&mut conn)
        .unwrap();
    diesel::sql_query("UPDATE settings SET value = '9.9.9' WHERE key = 'schema_migrated_by'")
        .execute(&mut conn)
        .unwrap();
    let this = env!("CARGO_PKG_VERSION");
    for command in [&["serve"][..], &["migrate"], &["migrate", "--dry-run"]] {
        let out = exited(heard(&db).args(command).env("HEARD_BIND", "127.0.0.1:0"));
        assert_one_line_failure(
            &out,
            "migrated by a newer Heard (Heard 9.9.9, schema 29991231000000)",
        );
        assert_one_line_failure(&out, &format!("this is Heard {this}"));
    }
    let applied: i64 = diesel::sql_query("SELECT COUNT(*) AS n FROM __diesel_schema_migrations")
        .get_result::<Count>(&mut conn)
        .unwrap()
        .n;
    assert_eq!(
        applied as usize,
        shipped(backend) + 1,
        "nothing was changed"
    );
}

/// Runs `cmd` to its end; a command still running after a minute (a server that started
/// when it should have refused) is stopped and fails the test.
fn exited(cmd: &mut std::process::Command) -> std::process::Output {
    use std::process::Stdio;
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("still running: {cmd:?} started on a database a newer Heard migrated");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

backend_tests_blocking!(
    dry_run_lists_what_migrate_then_applies,
    a_database_from_a_newer_heard_is_refused,
);
