//! Every connection Heard opens commits durably: SQLite with `synchronous = FULL` (or
//! EXTRA) beside its write-ahead log, PostgreSQL with `synchronous_commit` never `off`, even
//! when the URL (or the server) asks for `off`.

use diesel::RunQueryDsl;
use diesel::sql_types::{BigInt, Text};

use crate::backend_tests_blocking;
use crate::helpers::{Backend, TestDb};

#[derive(diesel::QueryableByName)]
struct Level {
    #[diesel(sql_type = BigInt)]
    synchronous: i64,
}

#[derive(diesel::QueryableByName)]
struct Mode {
    #[diesel(sql_type = Text)]
    journal_mode: String,
}

#[derive(diesel::QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    synchronous_commit: String,
}

fn every_pooled_connection_commits_durably(backend: Backend) {
    let db = TestDb::new(backend);
    let url = match backend {
        Backend::Sqlite => db.url.clone(),
        // As an operator might, by mistake: every session of this URL starts with `off`.
        Backend::Postgres => {
            let join = if db.url.contains('?') { '&' } else { '?' };
            format!("{}{join}options=-c%20synchronous_commit%3Doff", db.url)
        }
    };
    let url = heard::db::DatabaseUrl::parse(&url).unwrap();
    let pool = heard::db::open(&url).unwrap();
    // Several at once, so that each is a connection of its own.
    let mut held: Vec<_> = (0..4).map(|_| pool.get().unwrap()).collect();
    for conn in &mut held {
        let conn: &mut heard::db::DbConn = conn;
        match backend {
            Backend::Sqlite => {
                let level = diesel::sql_query("PRAGMA synchronous")
                    .get_result::<Level>(conn)
                    .unwrap();
                assert!(
                    level.synchronous >= 2,
                    "FULL is 2, EXTRA 3: {}",
                    level.synchronous
                );
                let mode = diesel::sql_query("PRAGMA journal_mode")
                    .get_result::<Mode>(conn)
                    .unwrap();
                assert_eq!(mode.journal_mode, "wal");
            }
            Backend::Postgres => {
                let setting = diesel::sql_query("SHOW synchronous_commit")
                    .get_result::<Setting>(conn)
                    .unwrap();
                assert_eq!(setting.synchronous_commit, "on");
            }
        }
    }
    if backend == Backend::Postgres {
        // The URL really did ask for `off`: a plain connection with it says so.
        use diesel::Connection;
        let plain = match &url {
            heard::db::DatabaseUrl::Postgres(secret) => secret.expose().to_owned(),
            heard::db::DatabaseUrl::Sqlite(_) => unreachable!(),
        };
        let mut raw = diesel::PgConnection::establish(&plain).unwrap();
        let setting = diesel::sql_query("SHOW synchronous_commit")
            .get_result::<Setting>(&mut raw)
            .unwrap();
        assert_eq!(setting.synchronous_commit, "off");
    }
}

backend_tests_blocking!(every_pooled_connection_commits_durably);
