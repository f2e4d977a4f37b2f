//! Forgery on every sign-in and staff `POST` the app registers (`helpers::routes`): each is
//! sent as it would succeed, as an admin, but with no token, a forged one and a genuine one
//! that belongs to someone or something else. Each is refused and leaves the whole database
//! as it was; then the same request with the right token succeeds, so the token alone was
//! at fault. A `POST` route with no request in `requests` fails the test.

mod requests;

use crate::backend_tests;
use crate::helpers::builders::seed_org;
use crate::helpers::routes::staff_post_routes;
use crate::helpers::snapshot::{self, Snapshot};
use crate::helpers::staff::{PASSWORD, csrf, set_passwords, sign_in_as, upload_body};
use crate::helpers::{Backend, TEST_SECRET, TestApp, browser, form_token, spawn_app};
use requests::{Guard, Request};

/// A token that is not the right one, and so must be refused.
#[derive(Debug, Clone, Copy)]
enum Wrong {
    /// No token field at all.
    Missing,
    /// The right token with its last character changed.
    Forged,
    /// The token of the admin's other session (signing in on a second browser).
    OtherSession,
    /// The token of another person's session (the manager's).
    OtherPerson,
    /// A form token loaded in another browser (the sign-in form binds it to a cookie).
    OtherBrowser,
    /// A form token signed by another Heard (another secret key).
    OtherKey,
    /// A genuine form token that was already used.
    Spent,
    /// A genuine one-time token of another kind (an invitation's, for the setup link).
    OtherKind,
}

impl Guard {
    /// What a refusal answers.
    fn refused(&self) -> u16 {
        match self {
            Self::Session | Self::Login | Self::SetupLink(_) => 403,
            Self::FormToken { .. } => 422,
        }
    }

    /// The field the token travels in.
    fn field(&self) -> &'static str {
        match self {
            Self::Session => "csrf",
            Self::Login | Self::FormToken { .. } => "form_token",
            Self::SetupLink(_) => "token",
        }
    }

    fn wrong(&self) -> &'static [Wrong] {
        use Wrong::*;
        match self {
            Self::Session => &[Missing, Forged, OtherSession, OtherPerson],
            Self::Login => &[Missing, Forged, OtherBrowser],
            Self::FormToken { .. } => &[Missing, Forged, OtherKey, Spent],
            Self::SetupLink(_) => &[Missing, Forged, OtherKind],
        }
    }
}

/// The admin (Priya) in two browsers, and the manager (Grace), signed in.
struct People {
    admin: reqwest::Client,
    admin_again: reqwest::Client,
    manager: reqwest::Client,
}

async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let (client, res) = sign_in_as(app, email, PASSWORD).await;
    assert_eq!(res.status(), 303, "{email} signs in");
    client
}

impl People {
    async fn sign_in(app: &TestApp) -> Self {
        Self {
            admin: signed_in(app, "priya@example.com").await,
            admin_again: signed_in(app, "priya@example.com").await,
            manager: signed_in(app, "grace@example.com").await,
        }
    }

    /// The admin's second session's token, signing in again if a password change ended it.
    async fn other_session_token(&mut self, app: &TestApp) -> String {
        let res = self.admin_again.get(app.url("/staff/me")).send().await;
        if res.expect("the admin's page").status() != 200 {
            self.admin_again = signed_in(app, "priya@example.com").await;
        }
        csrf(app, &self.admin_again).await
    }
}

/// One request as it will be sent: from which browser, with which token.
struct Attempt {
    what: String,
    client: reqwest::Client,
    token: Option<String>,
}

/// `token` with its last character changed.
fn forged(token: &str) -> String {
    let (head, last) = token.split_at(token.len() - 1);
    format!("{head}{}", if last == "0" { "1" } else { "0" })
}

/// A browser that loaded the sign-in form (so it holds the form's cookie), and the token.
async fn login_page(app: &TestApp) -> (reqwest::Client, String) {
    let client = browser();
    let res = client
        .get(app.url("/login"))
        .send()
        .await
        .expect("the form");
    let token = form_token(&res.text().await.expect("its page"));
    (client, token)
}

/// The form token of a freshly loaded `page`.
async fn page_token(app: &TestApp, page: &str) -> String {
    let res = app
        .client
        .get(app.url(page))
        .send()
        .await
        .expect("the form");
    assert_eq!(res.status(), 200, "{page}");
    form_token(&res.text().await.expect("its page"))
}

/// The right attempt, and one for each wrong token; everything they need (pages loaded,
/// tokens spent) is done here, before anything is compared.
async fn attempts(app: &TestApp, people: &mut Option<People>, request: &Request) -> Vec<Attempt> {
    let (client, right) = match &request.guard {
        Guard::Session => {
            let admin = people.as_ref().expect("signed in").admin.clone();
            let token = csrf(app, &admin).await;
            (admin, token)
        }
        Guard::Login => login_page(app).await,
        Guard::FormToken { page } => (app.client.clone(), page_token(app, page).await),
        Guard::SetupLink(token) => (app.client.clone(), token.clone()),
    };
    let mut all = vec![Attempt {
        what: "the right token".into(),
        client: client.clone(),
        token: Some(right.clone()),
    }];
    for wrong in request.guard.wrong() {
        let (client, token) = match wrong {
            Wrong::Missing => (client.clone(), None),
            Wrong::Forged => (client.clone(), Some(forged(&right))),
            Wrong::OtherSession => {
                let people = people.as_mut().expect("signed in");
                (client.clone(), Some(people.other_session_token(app).await))
            }
            Wrong::OtherPerson => {
                let manager = &people.as_ref().expect("signed in").manager;
                (client.clone(), Some(csrf(app, manager).await))
            }
            Wrong::OtherBrowser => {
                let (own, _) = login_page(app).await;
                let (_, theirs) = login_page(app).await;
                (own, Some(theirs))
            }
            Wrong::OtherKey => {
                let other =
                    heard::config::Secret::new("another Heard's secret key, long enough 0123");
                let now = chrono::Utc::now().timestamp();
                (
                    client.clone(),
                    Some(heard::web::abuse::issue_form_token(&other, now)),
                )
            }
            Wrong::Spent => {
                let Guard::FormToken { page } = &request.guard else {
                    unreachable!("only a form token is spent")
                };
                (
                    client.clone(),
                    Some(spent(app, &page_token(app, page).await)),
                )
            }
            Wrong::OtherKind => {
                let kind = heard::store::tokens::TokenKind::Invitation;
                let ttl = chrono::Duration::days(1);
                let token = heard::store::tokens::create(&mut app.conn(), kind, None, ttl);
                (client.clone(), Some(token.expect("an invitation token")))
            }
        };
        all.push(Attempt {
            what: format!("{wrong:?}"),
            client,
            token,
        });
    }
    all
}

/// Spends a form token as its form's post would, and gives it back.
fn spent(app: &TestApp, token: &str) -> String {
    let secret = heard::config::Secret::new(TEST_SECRET);
    let now = chrono::Utc::now().timestamp();
    let nonce = heard::web::abuse::check_form_token(&secret, token, now, 0).expect("genuine");
    let used =
        heard::store::limits::use_form_token(&mut app.conn(), &nonce.nonce, nonce.expires_at);
    assert!(used.expect("spend the token"), "the token was new");
    token.to_owned()
}

async fn send(app: &TestApp, request: &Request, attempt: &Attempt) -> reqwest::Response {
    let post = attempt.client.post(app.url(&request.path));
    let field = request.guard.field();
    let mut fields: Vec<(&str, &str)> = request
        .fields
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    if let Some(token) = &attempt.token {
        fields.push((field, token.as_str()));
    }
    let post = match &request.file {
        Some(file) => {
            let (kind, body) = upload_body(&fields, file);
            post.header("content-type", kind).body(body)
        }
        None => post.form(&fields),
    };
    post.send().await.expect("a POST")
}

/// Sends every wrong token (each refused, nothing changed), then the right one.
async fn check(app: &TestApp, route: &str, request: &Request, attempts: &[Attempt]) {
    let (right, wrong) = attempts.split_first().expect("the right attempt first");
    let before = snapshot::database(app);
    assert!(before.rows() > 0, "the snapshot sees the database");
    for attempt in wrong {
        let res = send(app, request, attempt).await;
        let status = res.status().as_u16();
        let page = res.text().await.unwrap_or_default();
        let what = &attempt.what;
        assert_eq!(
            status,
            request.guard.refused(),
            "POST {route}, {what}: {page}"
        );
        let changed = snapshot::database(app).changes_since(&before);
        assert!(
            changed.is_empty(),
            "POST {route}, {what}, changed {changed:#?}"
        );
    }
    let res = send(app, request, right).await;
    let status = res.status().as_u16();
    let page = res.text().await.unwrap_or_default();
    assert_eq!(
        status, request.ok,
        "POST {route} with the right token: {page}"
    );
    let after: Snapshot = snapshot::database(app);
    assert_eq!(
        after != before,
        request.changes,
        "POST {route} with the right token: {:#?}",
        after.changes_since(&before)
    );
}

/// Setting up comes first (while no admin exists); a password change and signing out,
/// which end sessions, come last.
fn in_order(mut routes: Vec<String>) -> Vec<String> {
    let rank = |route: &String| match route.as_str() {
        "/setup" => 0,
        "/staff/me/password" => 2,
        "/logout" => 3,
        _ => 1,
    };
    routes.sort_by_key(rank);
    routes
}

async fn every_post_refuses_a_missing_forged_or_borrowed_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let routes = in_order(staff_post_routes());
    assert!(routes.len() > 20, "found only the POST routes {routes:?}");
    let mut people = None;
    for route in &routes {
        if route != "/setup" && people.is_none() {
            seed_org(&app);
            set_passwords(&app);
            people = Some(People::sign_in(&app).await);
        }
        let request = requests::prepare(&app, route).await;
        let attempts = attempts(&app, &mut people, &request).await;
        check(&app, route, &request, &attempts).await;
    }
}

backend_tests!(every_post_refuses_a_missing_forged_or_borrowed_token);
