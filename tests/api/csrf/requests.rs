//! For each sign-in and staff `POST` route, a request that succeeds with the right token:
//! what it needs made first (a note, a person, a link), where it goes, what it carries and
//! what it answers. A route with no request here fails the test that walks them.

use crate::helpers::TestApp;
use crate::helpers::builders::{add_member, add_team, an_email_failed, picture};
use crate::helpers::notes::Note;
use crate::helpers::staff::PASSWORD;
use crate::helpers::stories::story_id;
use heard::store::tokens::{self, TokenKind};

/// What guards a route against forgery.
pub enum Guard {
    /// The session's token, in a `csrf` field (every staff form, signing out, the upload).
    Session,
    /// The sign-in form's token, valid only with the cookie of the browser that loaded it.
    Login,
    /// A signed, single-use form token from `page`: choosing a password, asking for a reset.
    /// No session exists yet; the link in the URL says whose password it is.
    FormToken { page: String },
    /// The setup link's one-time token, in a `token` field: it is what authorises the
    /// request, so it also protects it from forgery.
    SetupLink(String),
}

/// One route's request, but for its token.
pub struct Request {
    pub path: String,
    pub fields: Vec<(&'static str, String)>,
    /// Sent as a multipart upload with this file, when there is one.
    pub file: Option<Vec<u8>>,
    pub guard: Guard,
    /// The answer with the right token.
    pub ok: u16,
    /// Whether it changes the database then (a preview does not).
    pub changes: bool,
}

fn staff(path: String, fields: &[(&'static str, &str)], ok: u16) -> Request {
    Request {
        path,
        fields: fields.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
        file: None,
        guard: Guard::Session,
        ok,
        changes: true,
    }
}

/// A password chosen from a link (`/invite/…` or `/password/reset/…`).
fn choose_password(path: String) -> Request {
    Request {
        fields: vec![
            ("password", PASSWORD.into()),
            ("password_confirm", PASSWORD.into()),
        ],
        guard: Guard::FormToken { page: path.clone() },
        ..staff(path, &[], 303)
    }
}

/// A one-time link of this kind for the person with this handle.
fn link(app: &TestApp, kind: TokenKind, handle: &str) -> String {
    let id = heard::db::ids::StaffId::parse(&app.staff_id(handle)).expect("a staff id");
    let ttl = chrono::Duration::hours(1);
    tokens::create(&mut app.conn(), kind, Some(&id), ttl).expect("a link")
}

/// Adds a rep to Care, with no password yet: their id.
fn new_rep(app: &TestApp, name: &str, handle: &str) -> String {
    let email = format!("{handle}@example.com");
    add_member(app, (name, &email, "rep", "Care", handle));
    app.staff_id(handle)
}

/// A note to Maria with these words (a complaint or a thank-you): its id.
async fn note(app: &TestApp, note: Note) -> String {
    note.send(app).await.id
}

/// A thank-you to Maria whose customer agreed to publication: its story's id.
async fn story(app: &TestApp, words: &str) -> String {
    Note::thanks("maria", words).publishable().send(app).await;
    story_id(app, words)
}

/// The request that `POST route` succeeds with, once what it acts on exists.
pub async fn prepare(app: &TestApp, route: &str) -> Request {
    match route {
        "/setup" => {
            let link = heard::app::setup_link(&mut app.conn(), &app.address)
                .expect("a setup link")
                .expect("no admin yet");
            let token = link.split("token=").nth(1).expect("a token").to_owned();
            let fields = [
                ("name", "Ada Byron"),
                ("email", "ada@example.com"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ];
            Request {
                guard: Guard::SetupLink(token),
                ..staff("/setup".into(), &fields, 200)
            }
        }
        "/login" => {
            let fields = [
                ("email", "grace@example.com"),
                ("password", PASSWORD),
                ("next", "/staff"),
            ];
            Request {
                guard: Guard::Login,
                ..staff("/login".into(), &fields, 303)
            }
        }
        "/logout" => staff("/logout".into(), &[], 303),
        "/invite/{token}" => {
            new_rep(app, "Rosa Diaz", "rosa");
            let token = link(app, TokenKind::Invitation, "rosa");
            choose_password(format!("/invite/{token}"))
        }
        "/password/reset/{token}" => {
            let token = link(app, TokenKind::PasswordReset, "james");
            choose_password(format!("/password/reset/{token}"))
        }
        "/password/forgot" => Request {
            guard: Guard::FormToken {
                page: "/password/forgot".into(),
            },
            ..staff(route.into(), &[("email", "maria@example.com")], 200)
        },
        "/staff/notes/{id}/read" => {
            let id = note(app, Note::thanks("maria", "A note to mark read.")).await;
            staff(format!("/staff/notes/{id}/read"), &[("read", "1")], 303)
        }
        "/staff/notes/{id}/case" => {
            let id = note(app, Note::complaint("maria", "A complaint to comment on.")).await;
            let fields = [("step", "comment"), ("message", "Called them back.")];
            staff(format!("/staff/notes/{id}/case"), &fields, 303)
        }
        "/staff/erasure" => {
            let lee = Note::thanks("maria", "Lee's note.").customer("Lee Ray", "lee@example.com");
            note(app, lee).await;
            let fields = [("email", "lee@example.com"), ("confirm", "yes")];
            staff(route.into(), &fields, 200)
        }
        "/staff/outbox/{id}/retry" => {
            let id = note(app, Note::thanks("maria", "A note whose email bounced.")).await;
            let mail = an_email_failed(app, &id);
            staff(format!("/staff/outbox/{mail}/retry"), &[], 303)
        }
        "/staff/settings" => {
            let fields = [
                ("complaint_due_hours", "36"),
                ("complaint_to_rep_at_once", "on"),
                ("complaint_retention_days", "0"),
            ];
            staff(route.into(), &fields, 303)
        }
        "/staff/me/naming" => staff(route.into(), &[("public_naming", "no")], 303),
        "/staff/brand" => {
            let fields = [
                ("org_name", "Acme Telecom"),
                ("accent_colour", "#1a5e3a"),
                ("custom_css", ".hero { margin: 0; }"),
            ];
            staff(route.into(), &fields, 303)
        }
        "/staff/brand/logo" | "/staff/me/photo" => Request {
            file: Some(picture()),
            ..staff(route.into(), &[], 303)
        },
        "/staff/brand/logo/remove" | "/staff/me/photo/remove" => staff(route.into(), &[], 303),
        "/staff/me/password" => {
            let fields = [
                ("current_password", PASSWORD),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ];
            staff(route.into(), &fields, 303)
        }
        "/staff/stories/{id}/publish" => {
            let words = "A story to publish.";
            let id = story(app, words).await;
            staff(
                format!("/staff/stories/{id}/publish"),
                &[("body", words)],
                303,
            )
        }
        "/staff/stories/{id}/decline" => {
            let id = story(app, "A story to decline.").await;
            let fields = [("reason", "It names a colleague.")];
            staff(format!("/staff/stories/{id}/decline"), &fields, 303)
        }
        "/staff/stories/{id}/unpublish" => {
            let id = Note::thanks("maria", "A story to take down.")
                .publishable()
                .published(app, &[])
                .await;
            staff(format!("/staff/stories/{id}/unpublish"), &[], 303)
        }
        "/staff/people" => {
            let care = app.team_id("Care");
            let fields = [
                ("name", "Lena Fischer"),
                ("email", "lena@example.com"),
                ("role", "rep"),
                ("team", care.as_str()),
            ];
            staff(route.into(), &fields, 303)
        }
        "/staff/people/import" => {
            let csv = "name,email,role,team\nTom Reyes,tom@example.com,rep,Billing\n";
            staff(route.into(), &[("csv", csv), ("step", "import")], 303)
        }
        "/staff/people/import/file" => Request {
            file: Some(b"name,email,role,team\nUma Stone,uma@example.com,rep,Care\n".to_vec()),
            changes: false,
            ..staff(route.into(), &[], 200)
        },
        "/staff/people/{id}" => {
            let id = new_rep(app, "Noor Haddad", "noor");
            let care = app.team_id("Care");
            let fields = [
                ("name", "Noor Al-Haddad"),
                ("email", "noor@example.com"),
                ("role", "rep"),
                ("team", care.as_str()),
                ("handle", "noor"),
            ];
            staff(format!("/staff/people/{id}"), &fields, 303)
        }
        "/staff/people/{id}/invite" => {
            let id = new_rep(app, "Omar Said", "omar");
            staff(format!("/staff/people/{id}/invite"), &[], 303)
        }
        "/staff/people/{id}/active" => {
            let id = new_rep(app, "Pia Berg", "pia");
            staff(
                format!("/staff/people/{id}/active"),
                &[("active", "0")],
                303,
            )
        }
        "/staff/teams" => staff(route.into(), &[("name", "Returns")], 303),
        "/staff/teams/{id}" => {
            add_team(app, "Loans");
            let id = app.team_id("Loans");
            let fields = [("name", "Loans and Savings")];
            staff(format!("/staff/teams/{id}"), &fields, 303)
        }
        "/staff/teams/{id}/active" => {
            add_team(app, "Archive");
            let id = app.team_id("Archive");
            staff(format!("/staff/teams/{id}/active"), &[("active", "0")], 303)
        }
        _ => panic!(
            "POST {route} has no request in tests/api/csrf/requests.rs: add one, so that its \
             forgery protection is tested"
        ),
    }
}
