//! Migrations go up, down and up again on both backends, and the schema is usable after.

use diesel::RunQueryDsl;
use diesel::result::DatabaseErrorKind;

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

/// Inserts one person (and `team`, when given, as their team): the database's answer.
fn add_person(
    conn: &mut heard::db::DbConn,
    id: &str,
    role: &str,
    team: Option<&str>,
) -> Result<usize, diesel::result::Error> {
    let now = "'2026-01-01 00:00:00'";
    let team = team.map_or("NULL".to_owned(), |t| format!("'{t}'"));
    diesel::sql_query(format!(
        "INSERT INTO staff (id, name, email, handle, role, team_id, created_at, updated_at) \
         VALUES ('{id}', 'A', '{id}@x.io', '{id}{id}', '{role}', {team}, {now}, {now})"
    ))
    .execute(conn)
}

/// The kind of database error a refused statement gave.
fn refusal(answer: Result<usize, diesel::result::Error>) -> DatabaseErrorKind {
    match answer {
        Err(diesel::result::Error::DatabaseError(kind, _)) => kind,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Each refused row differs from an accepted one in one value, so the refusal is the
/// constraint's.
fn constraints_hold_on_both_backends(backend: Backend) {
    let db = TestDb::new(backend);
    let mut conn = db.connect();
    heard::db::migrate(&mut conn).unwrap();
    assert_eq!(add_person(&mut conn, "a", "rep", None).unwrap(), 1);
    assert!(matches!(
        refusal(add_person(&mut conn, "b", "owner", None)),
        DatabaseErrorKind::CheckViolation
    ));
    let now = "'2026-01-01 00:00:00'";
    diesel::sql_query(format!(
        "INSERT INTO teams (id, name, slug, created_at, updated_at) \
         VALUES ('care', 'Care', 'care', {now}, {now})"
    ))
    .execute(&mut conn)
    .unwrap();
    assert_eq!(add_person(&mut conn, "c", "rep", Some("care")).unwrap(), 1);
    assert!(
        matches!(
            refusal(add_person(&mut conn, "d", "rep", Some("no-such-team"))),
            DatabaseErrorKind::ForeignKeyViolation
        ),
        "foreign keys are enforced"
    );
    let sql = "SELECT count(*) AS n FROM staff";
    assert_eq!(
        diesel::sql_query(sql)
            .get_result::<Count>(&mut conn)
            .unwrap()
            .n,
        2
    );
}

backend_tests_blocking!(
    migrations_go_up_down_and_up,
    constraints_hold_on_both_backends
);
