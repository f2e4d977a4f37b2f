//! The `heard` binary as an operator uses it: clear one-line failures, all-or-nothing imports,
//! an idempotent demo, a working `check`, and a server that stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use diesel::prelude::*;
use heard::db::schema::{notes, staff, stories, teams};

use crate::backend_tests_blocking;
use crate::helpers::{Backend, TEST_SECRET, TestDb};
use crate::smtp::SmtpServer;

/// `heard` with nothing from the caller's environment but what the test gives it.
pub fn heard(db: &TestDb) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_heard"));
    for (key, _) in std::env::vars() {
        if key.starts_with("HEARD_") || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    cmd.env("HEARD_DATABASE_URL", &db.url)
        .env("HEARD_DATA_DIR", db.data_dir())
        .current_dir(db.dir.path())
        .stdin(Stdio::null());
    cmd
}

/// Serves `db` with `heard serve` and the tests' key; the child and its address.
pub fn serve(db: &TestDb) -> (std::process::Child, String) {
    let mut child = heard(db)
        .arg("serve")
        .env("HEARD_BIND", "127.0.0.1:0")
        .env("HEARD_SECRET_KEY", TEST_SECRET)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let first = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .next()
        .unwrap()
        .unwrap();
    let addr = first
        .strip_prefix("Heard is listening on http://")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    (child, format!("http://{addr}"))
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run heard")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A failed command says what is wrong in one line starting with `heard:`.
pub fn assert_one_line_failure(out: &Output, needle: &str) {
    assert!(!out.status.success(), "expected failure: {}", stdout(out));
    let err = stderr(out);
    let last = err.lines().last().unwrap_or_default();
    assert!(last.starts_with("heard: "), "{err}");
    assert!(last.contains(needle), "{last:?} should mention {needle:?}");
}

fn staff_count(db: &TestDb) -> i64 {
    staff::table.count().get_result(&mut db.connect()).unwrap()
}

#[test]
fn a_malformed_database_url_is_refused_in_one_line() {
    let db = TestDb::new(Backend::Sqlite);
    let out = run(heard(&db)
        .arg("migrate")
        .env("HEARD_DATABASE_URL", "mysql://root@localhost/heard"));
    assert_one_line_failure(&out, "HEARD_DATABASE_URL");
    assert_eq!(stderr(&out).lines().count(), 1);
}

#[test]
fn an_unreachable_database_is_named_without_its_password() {
    let db = TestDb::new(Backend::Sqlite);
    let out = run(heard(&db).arg("migrate").env(
        "HEARD_DATABASE_URL",
        "postgres://heard:hunter2@127.0.0.1:1/heard",
    ));
    assert_one_line_failure(
        &out,
        "cannot open the database postgres://heard@127.0.0.1:1/heard",
    );
    assert!(!stderr(&out).contains("hunter2"));
}

#[test]
fn an_unwritable_data_dir_is_refused() {
    let db = TestDb::new(Backend::Sqlite);
    let blocker = db.dir.path().join("not-a-dir");
    std::fs::write(&blocker, "a file where a directory should be").unwrap();
    let out = run(heard(&db)
        .arg("serve")
        .env("HEARD_DATA_DIR", blocker.join("data")));
    assert_one_line_failure(&out, "cannot write to data directory");
    assert!(stderr(&out).contains("HEARD_DATA_DIR"));
}

fn staff_add_hashes_the_password_from_stdin(backend: Backend) {
    let db = TestDb::new(backend);
    let mut child = heard(&db)
        .args([
            "staff",
            "add",
            "--name",
            "Ana Silva",
            "--email",
            "Ana@Example.com",
        ])
        .args(["--role", "admin", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a quiet lighthouse at dawn\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("added Ana Silva <ana@example.com> as admin, handle ana-silva"));
    let hash: Option<String> = staff::table
        .filter(staff::email.eq("ana@example.com"))
        .select(staff::password_hash)
        .first(&mut db.connect())
        .unwrap();
    let hash = hash.unwrap();
    assert!(hash.starts_with("$argon2id$"));
    assert!(heard::domain::verify_password(
        "a quiet lighthouse at dawn",
        &hash
    ));

    // The same email again, and a weak password: refused, nothing added.
    let again = run(heard(&db).args([
        "staff",
        "add",
        "--name",
        "Ana",
        "--email",
        "ana@example.com",
        "--role",
        "rep",
    ]));
    assert_one_line_failure(&again, "already has an account");
    let mut weak = heard(&db)
        .args([
            "staff",
            "add",
            "--name",
            "Bo",
            "--email",
            "bo@example.com",
            "--role",
            "rep",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    weak.stdin.take().unwrap().write_all(b"short\n").unwrap();
    let weak = weak.wait_with_output().unwrap();
    assert_one_line_failure(&weak, "password");
    assert_eq!(staff_count(&db), 1);
}

fn staff_import_adds_everyone_with_teams_and_managers(backend: Backend) {
    let db = TestDb::new(backend);
    let csv = db.dir.path().join("staff.csv");
    std::fs::write(
        &csv,
        "name,email,role,team,handle,manager_email\n\
         Maria Lopez,maria@example.com,rep,Care,,grace@example.com\n\
         Grace Okafor,grace@example.com,Manager,Care,grace,\n\
         \"Park, James\",james@example.com,REP,Billing,james,\n",
    )
    .unwrap();
    // New teams are created; only a name close to an existing team's is questioned (below).
    let out = run(heard(&db).args(["staff", "import"]).arg(&csv));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("imported 3 staff"));
    let mut conn = db.connect();
    let (maria_manager, maria_handle): (Option<String>, String) = staff::table
        .filter(staff::email.eq("maria@example.com"))
        .select((
            staff::manager_id.assume_not_null().nullable(),
            staff::handle,
        ))
        .first::<(Option<heard::db::ids::StaffId>, String)>(&mut conn)
        .map(|(m, h)| (m.map(|m| m.to_string()), h))
        .unwrap();
    let grace: heard::db::ids::StaffId = staff::table
        .filter(staff::email.eq("grace@example.com"))
        .select(staff::id)
        .first(&mut conn)
        .unwrap();
    assert_eq!(maria_handle, "maria-lopez");
    assert_eq!(
        maria_manager,
        Some(grace.to_string()),
        "a manager from a later row is linked"
    );
    let care_manager: Option<heard::db::ids::StaffId> = teams::table
        .filter(teams::name.eq("Care"))
        .select(teams::manager_id)
        .first(&mut conn)
        .unwrap();
    assert_eq!(
        care_manager,
        Some(grace),
        "the first manager of a new team manages it"
    );
    assert_eq!(
        teams::table.count().get_result::<i64>(&mut conn).unwrap(),
        2
    );
    // A slip in a team's name is an error that names the team meant.
    let add = |team: &str| {
        let person = ["--name", "Ruth Adeyemi", "--email", "ruth@example.com"];
        run(heard(&db)
            .args(["staff", "add"])
            .args(person)
            .args(["--role", "ADMIN", "--team", team]))
    };
    let out = add("Biling");
    assert_one_line_failure(
        &out,
        "there is no team named Biling (did you mean Billing?)",
    );
    assert!(stderr(&out).contains("--create-team"), "{}", stderr(&out));
    assert_eq!(staff_count(&db), 3, "nothing was added");
    let out = add("billing");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("as admin"), "{}", stdout(&out));
    // A second manager of a team co-manages it, and is told so.
    let out = run(heard(&db).args(["staff", "add"]).args([
        "--name",
        "Ines Moreau",
        "--email",
        "ines@example.com",
        "--role",
        "manager",
        "--team",
        "Care",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(
            "(co-manager of Care: sees and handles its notes as Grace Okafor does; emails about \
             them still go to Grace Okafor)"
        ),
        "{}",
        stdout(&out)
    );
}

fn a_bad_csv_row_is_reported_by_line_and_nothing_is_imported(backend: Backend) {
    let db = TestDb::new(backend);
    assert!(run(heard(&db).arg("migrate")).status.success());
    let csv = db.dir.path().join("staff.csv");
    std::fs::write(
        &csv,
        "name,email,role,team,handle,manager_email\n\
         Maria Lopez,maria@example.com,rep,Care,,\n\
         Grace Okafor,not-an-email,manager,Care,,\n\
         James Park,james@example.com,boss,Billing,,\n\
         Ruth Adeyemi,maria@example.com,rep,Billing,,nobody@example.com\n",
    )
    .unwrap();
    let out = run(heard(&db).args(["staff", "import"]).arg(&csv));
    assert_one_line_failure(&out, "nothing was imported");
    let err = stderr(&out);
    assert!(err.contains("line 3: email:"), "{err}");
    assert!(err.contains("line 4: role:"), "{err}");
    assert_eq!(staff_count(&db), 0);
    assert_eq!(
        teams::table
            .count()
            .get_result::<i64>(&mut db.connect())
            .unwrap(),
        0
    );

    // Rows that are each valid but clash with each other are refused as a whole too.
    std::fs::write(
        &csv,
        "name,email,role\nMaria Lopez,maria@example.com,rep\nMaria L,maria@example.com,rep\n",
    )
    .unwrap();
    let out = run(heard(&db).args(["staff", "import"]).arg(&csv));
    assert_one_line_failure(&out, "line 3: email: maria@example.com appears twice");
    assert_eq!(staff_count(&db), 0);

    std::fs::write(&csv, "name,mail,role\nMaria,maria@example.com,rep\n").unwrap();
    let out = run(heard(&db).args(["staff", "import"]).arg(&csv));
    assert_one_line_failure(&out, "no \"email\" column");
}

fn demo_is_idempotent_and_adds_stories_in_bulk(backend: Backend) {
    let db = TestDb::new(backend);
    let first = run(heard(&db).arg("demo"));
    assert!(first.status.success(), "{}", stderr(&first));
    let count = |db: &TestDb| {
        let mut conn = db.connect();
        (
            staff::table.count().get_result::<i64>(&mut conn).unwrap(),
            notes::table.count().get_result::<i64>(&mut conn).unwrap(),
            heard::store::stories::count_published(&mut conn).unwrap(),
        )
    };
    let after_first = count(&db);
    assert!(
        after_first.0 >= 8 && after_first.1 >= 12 && after_first.2 >= 5,
        "{after_first:?}"
    );
    let second = run(heard(&db).arg("demo"));
    assert!(second.status.success());
    assert!(stdout(&second).contains("already here"));
    assert_eq!(count(&db), after_first);

    let bulk = run(heard(&db).args(["demo", "--stories", "2345"]));
    assert!(bulk.status.success(), "{}", stderr(&bulk));
    assert!(
        stderr(&bulk).contains("stories: 2345/2345 (100%)"),
        "plain progress lines off a terminal"
    );
    let after_bulk = count(&db);
    assert_eq!(after_bulk.2, after_first.2 + 2345);
    let demo_tags: i64 = heard::db::schema::story_tags::table
        .count()
        .get_result(&mut db.connect())
        .unwrap();
    assert!(demo_tags >= 2345);
    let unpublished_bulk: i64 = stories::table
        .filter(stories::published_at.is_null())
        .filter(stories::status.eq("published"))
        .count()
        .get_result(&mut db.connect())
        .unwrap();
    assert_eq!(unpublished_bulk, 0);
}

#[test]
fn check_sends_a_test_email_through_smtp() {
    let db = TestDb::new(Backend::Sqlite);
    let smtp = SmtpServer::start();
    let out = run(heard(&db)
        .args(["check", "--send-test-email", "pat@example.com"])
        .env("HEARD_SMTP_URL", smtp.url()));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("mail       ok: SMTP server 127.0.0.1:"),
        "{text}"
    );
    let mails = smtp.wait_for(1, Duration::from_secs(10));
    assert_eq!(mails[0].to, ["pat@example.com"]);
    assert_eq!(mails[0].from, "heard@localhost");
    assert!(mails[0].data.contains("Subject: Heard test email"));
}

#[test]
fn a_malformed_smtp_url_stops_start_up_in_one_line() {
    let db = TestDb::new(Backend::Sqlite);
    for url in [
        "ftp://mail.example.com",
        "smtp://",
        "smtp://mail.example.com:port",
    ] {
        let out = run(heard(&db)
            .arg("serve")
            .env("HEARD_BIND", "127.0.0.1:0")
            .env("HEARD_SMTP_URL", url));
        assert_one_line_failure(&out, "HEARD_SMTP_URL is invalid");
    }
}

#[test]
fn check_names_the_failing_mail_step() {
    let db = TestDb::new(Backend::Sqlite);
    // Nothing listens on port 1.
    let out = run(heard(&db)
        .arg("check")
        .env("HEARD_SMTP_URL", "smtp://127.0.0.1:1?tls=none"));
    assert_one_line_failure(&out, "cannot connect to the mail server 127.0.0.1:1");
    let out = run(heard(&db)
        .arg("check")
        .env("HEARD_SMTP_URL", "smtp://no-such-host.invalid:25"));
    assert_one_line_failure(&out, "cannot resolve the mail server no-such-host.invalid");
}

fn http_get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    (status, response)
}

#[test]
fn serve_starts_from_nothing_prints_a_setup_link_and_stops_on_sigterm() {
    let db = TestDb::new(Backend::Sqlite);
    let mut child = heard(&db)
        .arg("serve")
        .env("HEARD_DATABASE_URL", "sqlite://data/heard.db")
        .env_remove("HEARD_DATA_DIR")
        .env("HEARD_BIND", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .strip_prefix("Heard is listening on http://")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    let rest: Vec<String> = lines.by_ref().take(2).map(Result::unwrap).collect();
    assert!(rest[0].starts_with("No admin account yet"), "{rest:?}");
    assert!(rest[1].contains("/setup?token="), "{rest:?}");
    assert!(db.dir.path().join("data/heard.db").exists());
    assert!(db.dir.path().join("data/secret_key").exists());

    let (status, body) = http_get(&addr, "/healthz");
    assert_eq!(status, 200, "{body}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "exited with {status:?}");
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(log.contains("Heard stopped"), "{log}");
}

backend_tests_blocking!(
    staff_add_hashes_the_password_from_stdin,
    staff_import_adds_everyone_with_teams_and_managers,
    a_bad_csv_row_is_reported_by_line_and_nothing_is_imported,
    demo_is_idempotent_and_adds_stories_in_bulk,
);
