//! Migrations go up, down and up again on both backends, and the schema is usable after.

use diesel::RunQueryDsl;

use crate::backend_tests_blocking;
use crate::helpers::{Backend, TestDb};

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn table_count(conn: &mut heard::db::DbConn, backend: Backend) -> i64 {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name != '__diesel_schema_migrations'"
        }
        Backend::Postgres => {
            "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public' \
             AND table_name != '__diesel_schema_migrations'"
        }
    };
    diesel::sql_query(sql).get_result::<Count>(conn).unwrap().n
}

fn migrations_go_up_down_and_up(backend: Backend) {
    let db = TestDb::new(backend);
    let mut conn = db.connect();
    let applied = heard::db::migrate(&mut conn).unwrap();
    assert!(!applied.is_empty());
    assert_eq!(table_count(&mut conn, backend), 19);
    assert!(
        heard::db::migrate(&mut conn).unwrap().is_empty(),
        "a second run does nothing"
    );

    let reverted = heard::db::revert_all(&mut conn).unwrap();
    assert_eq!(reverted.len(), applied.len());
    assert_eq!(table_count(&mut conn, backend), 0);

    assert_eq!(heard::db::migrate(&mut conn).unwrap(), applied);
    assert_eq!(table_count(&mut conn, backend), 19);
    assert_eq!(heard::db::pending_migrations(&mut conn).unwrap(), 0);
}

fn constraints_hold_on_both_backends(backend: Backend) {
    let db = TestDb::new(backend);
    let mut conn = db.connect();
    heard::db::migrate(&mut conn).unwrap();
    let now = "'2026-01-01 00:00:00'";
    let bad_role = format!(
        "INSERT INTO staff (id, name, email, handle, role, created_at, updated_at) \
         VALUES ('a', 'A', 'a@x.io', 'aa', 'owner', {now}, {now})"
    );
    assert!(diesel::sql_query(bad_role).execute(&mut conn).is_err());
    let unknown_team = format!(
        "INSERT INTO staff (id, name, email, handle, role, team_id, created_at, updated_at) \
         VALUES ('a', 'A', 'a@x.io', 'aa', 'rep', 'no-such-team', {now}, {now})"
    );
    assert!(
        diesel::sql_query(unknown_team).execute(&mut conn).is_err(),
        "foreign keys are enforced"
    );
}

backend_tests_blocking!(
    migrations_go_up_down_and_up,
    constraints_hold_on_both_backends
);
