//! Staff as the tests meet them: one password for everyone, signing in (from an address of
//! one's choosing), the CSRF token of a session, posting a staff form, password links, and
//! the ids of people and teams.

use diesel::prelude::*;
use heard::db::schema::{staff, teams};

use super::{TestApp, browser, fill_in};

/// Everyone's password once `set_passwords` has run.
pub const PASSWORD: &str = "a quiet lighthouse at dawn";

/// Gives everyone in the seeded organisation the same password.
pub fn set_passwords(app: &TestApp) {
    let hash = heard::domain::Password::parse(PASSWORD)
        .expect("a strong password")
        .hash()
        .expect("hash");
    diesel::update(staff::table)
        .set(staff::password_hash.eq(hash))
        .execute(&mut app.conn())
        .expect("set the passwords");
}

/// Signs in with a fresh browser: the browser and the answer to the sign-in form.
pub async fn sign_in_as(
    app: &TestApp,
    email: &str,
    password: &str,
) -> (reqwest::Client, reqwest::Response) {
    let client = browser();
    let fields = [("email", email), ("password", password), ("next", "/staff")];
    let res = fill_in(app, &client, None, "/login", "/login", &fields).await;
    (client, res)
}

/// A browser signed in as `email` (with `PASSWORD`).
pub async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let (client, res) = sign_in_as(app, email, PASSWORD).await;
    assert_eq!(res.status(), 303, "{email} signs in");
    client
}

/// Signs in as if from `ip` (the app must trust loopback as a proxy).
pub async fn sign_in_from(
    app: &TestApp,
    ip: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let fields = [("email", email), ("password", password)];
    fill_in(app, &browser(), Some(ip), "/login", "/login", &fields).await
}

/// The `name=value` pair of the cookie a response sets (to replay it by hand).
pub fn cookie_from(res: &reqwest::Response) -> String {
    let header = res.headers()["set-cookie"]
        .to_str()
        .expect("a readable cookie");
    header.split(';').next().unwrap_or(header).to_owned()
}

/// The CSRF token of a staff session.
pub async fn csrf(app: &TestApp, client: &reqwest::Client) -> String {
    let html = client
        .get(app.url("/staff/me"))
        .send()
        .await
        .expect("a staff page")
        .text()
        .await
        .expect("its text");
    let start = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[start..start + html[start..].find('"').expect("the end of the token")].to_owned()
}

/// Posts a staff form as `client`, with the session's CSRF token.
pub async fn staff_post(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let token = csrf(app, client).await;
    let mut form = vec![("csrf", token.as_str())];
    form.extend_from_slice(fields);
    client
        .post(app.url(path))
        .form(&form)
        .send()
        .await
        .expect("post a staff form")
}

/// Asks for a password reset from the "forgot your password" page, in `client`.
pub async fn request_reset(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
) -> reqwest::Response {
    let page = "/password/forgot";
    fill_in(app, client, None, page, page, &[("email", email)]).await
}

/// Opens an invitation or reset link and chooses `password` there (typed twice).
pub async fn set_password_at(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    password: &str,
) -> reqwest::Response {
    let fields = [("password", password), ("password_confirm", password)];
    fill_in(app, client, None, path, path, &fields).await
}

impl TestApp {
    /// The id of the staff member with this handle.
    pub fn staff_id(&self, handle: &str) -> String {
        staff::table
            .filter(staff::handle.eq(handle))
            .select(staff::id)
            .first::<heard::db::ids::StaffId>(&mut self.conn())
            .expect("a staff member with that handle")
            .to_string()
    }

    /// The id of the team with this name.
    pub fn team_id(&self, name: &str) -> String {
        teams::table
            .filter(teams::name.eq(name))
            .select(teams::id)
            .first::<heard::db::ids::TeamId>(&mut self.conn())
            .expect("a team with that name")
            .to_string()
    }
}

/// A multipart body with these text fields and one file (`file`, `staff.csv`), as a browser
/// sends the import's upload form: its content type and its bytes.
pub fn upload_body(fields: &[(&str, &str)], file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----heardtestboundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
             filename=\"staff.csv\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
