//! The staff side of the escaping test: the inbox, every note, the moderation queue, every
//! story under review, the open cases, people and teams, the audit log, the portfolios, the
//! recognition figures and the email list, as an admin and as a manager (and a rep where
//! a page is theirs); and the customer's receipt, where staff's words reach the customer.

use super::markup::Markup;
use super::world::{ADMIN, BILLING, CARE, CaseStep, MANAGER, Person, REPS, World};
use super::{assert_listed, assert_shows, read, read_all};
use crate::helpers::TestApp;
use crate::helpers::builders::set_setting;
use crate::helpers::staff::{csrf, signed_in};

/// A signed-in staff member's browser, with the session's CSRF token.
pub struct Desk {
    client: reqwest::Client,
    csrf: String,
}

impl Desk {
    pub async fn open(app: &TestApp, person: &Person) -> Self {
        let client = signed_in(app, person.email).await;
        let csrf = csrf(app, &client).await;
        Self { client, csrf }
    }

    /// Posts a staff form with the session's token.
    pub async fn post(
        &self,
        app: &TestApp,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut form = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        self.client
            .post(app.url(path))
            .form(&form)
            .send()
            .await
            .expect("post a staff form")
    }

    pub async fn read(&self, app: &TestApp, path: &str) -> Markup {
        read(app, &self.client, path).await
    }

    pub async fn read_all(&self, app: &TestApp, first: &str, more: &str) -> Vec<Markup> {
        read_all(app, &self.client, first, more).await
    }
}

fn everyone() -> impl Iterator<Item = &'static Person> {
    [&ADMIN, &MANAGER].into_iter().chain(&REPS)
}

/// The lists staff read and every story under review, before any story is published (the
/// queue holds only stories waiting), then each case's step and the notes' pages after it.
pub async fn before_publication(app: &TestApp, world: &World) {
    let admin = Desk::open(app, &ADMIN).await;
    let manager = Desk::open(app, &MANAGER).await;
    // The audit log's oldest entries name everyone added; read it before the log grows.
    let audit = admin.read(app, "/staff/audit").await;
    for person in everyone().filter(|p| p.handle != "james") {
        assert_shows(&audit, "/staff/audit", person.name);
    }
    lists(app, world, &admin, &manager).await;
    for t in &world.thanks {
        let path = format!("/staff/stories/{}", t.story);
        let page = admin.read(app, &path).await;
        for words in [t.customer.as_str(), &t.words, t.rep.name] {
            assert_shows(&page, &path, words);
        }
        let textarea = page.text_of("textarea");
        assert_eq!(
            textarea.as_deref(),
            Some(t.words.as_str()),
            "{path}: the words to edit"
        );
    }
    for d in &world.declined {
        let path = format!("/staff/stories/{}", d.story);
        let fields = [("reason", d.reason.as_str())];
        let res = manager.post(app, &format!("{path}/decline"), &fields).await;
        assert_eq!(res.status(), 303, "{path}/decline");
        assert_shows(
            &admin.read(app, &path).await,
            &path,
            &format!("Declined: {}", d.reason),
        );
    }
    take_steps(app, world, &admin, &manager).await;
    let cases = admin.read(app, "/staff/cases").await;
    assert_shows(&cases, "/staff/cases", REPS[1].name);
    notes(app, world, &admin).await;
    receipts(app, world).await;
}

/// The inbox, the queue and the open cases show every note in the viewer's sight.
async fn lists(app: &TestApp, world: &World, admin: &Desk, manager: &Desk) {
    for (desk, who) in [(admin, &ADMIN), (manager, &MANAGER)] {
        let sees = |rep: &Person| who.handle == ADMIN.handle || rep.team == Some(CARE);
        let inbox = desk.read_all(app, "/staff", "Older notes").await;
        let queue = [desk.read(app, "/staff/queue").await];
        let cases = [desk.read(app, "/staff/cases").await];
        for t in world.thanks.iter().filter(|t| sees(t.rep)) {
            for words in [t.customer.as_str(), &t.words, t.rep.name] {
                assert_listed(&inbox, "the inbox", words);
                assert_listed(&queue, "the queue", words);
            }
        }
        for c in world.complaints.iter().filter(|c| sees(c.rep)) {
            for words in [c.customer.as_str(), &c.words, c.rep.name] {
                assert_listed(&inbox, "the inbox", words);
                assert_listed(&cases, "the open cases", words);
            }
        }
        assert_listed(&inbox, "the inbox", CARE);
        assert_listed(&cases, "the open cases", CARE);
        if who.handle == ADMIN.handle {
            assert_listed(&inbox, "the inbox", BILLING);
        }
    }
}

/// Each complaint's step, by the person who handles it, and a reply to some thank-yous.
async fn take_steps(app: &TestApp, world: &World, admin: &Desk, manager: &Desk) {
    let desk = |rep: &Person| {
        if rep.handler().handle == MANAGER.handle {
            manager
        } else {
            admin
        }
    };
    let ruth = app.staff_id("ruth");
    for c in &world.complaints {
        let message = c.message.as_deref().unwrap_or_default();
        let fields: Vec<(&str, &str)> = match c.step {
            CaseStep::Acknowledge => vec![("step", "acknowledge"), ("message", message)],
            CaseStep::Comment => vec![("step", "comment"), ("message", message)],
            CaseStep::AssignToRuth => vec![("step", "assign"), ("assignee", &ruth)],
            CaseStep::Resolve => vec![("step", "resolve"), ("message", message)],
        };
        let path = format!("/staff/notes/{}/case", c.note);
        let res = desk(c.rep).post(app, &path, &fields).await;
        assert_eq!(res.status(), 303, "{path} {:?}", c.step);
    }
    for t in &world.thanks {
        if let Some(reply) = &t.reply {
            let path = format!("/staff/notes/{}/case", t.note);
            let fields = [("step", "reply"), ("message", reply.as_str())];
            assert_eq!(
                desk(t.rep).post(app, &path, &fields).await.status(),
                303,
                "{path}"
            );
        }
    }
}

/// Every note's page shows the customer, their words, the rep, and what staff wrote.
async fn notes(app: &TestApp, world: &World, admin: &Desk) {
    for t in &world.thanks {
        let path = format!("/staff/notes/{}", t.note);
        let page = admin.read(app, &path).await;
        let mut shown = vec![t.customer.as_str(), &t.words, t.rep.name];
        shown.extend(t.rep.team);
        shown.extend(t.reply.as_deref());
        for words in shown {
            assert_shows(&page, &path, words);
        }
    }
    for c in &world.complaints {
        let path = format!("/staff/notes/{}", c.note);
        let page = admin.read(app, &path).await;
        let mut shown = vec![c.customer.as_str(), &c.words, c.rep.name];
        shown.extend(c.message.as_deref());
        if c.step == CaseStep::AssignToRuth {
            shown.push(REPS[1].name);
        }
        for words in shown {
            assert_shows(&page, &path, words);
        }
    }
    // A rep reads who handles a complaint about them: their manager, by name.
    let maria = Desk::open(app, &REPS[0]).await;
    let theirs = world.complaints.iter().find(|c| c.rep.handle == "maria");
    let path = format!(
        "/staff/notes/{}",
        theirs.expect("a complaint about Maria").note
    );
    assert_shows(&maria.read(app, &path).await, &path, MANAGER.name);
    let inbox = maria.read_all(app, "/staff", "Older notes").await;
    for t in world.thanks.iter().filter(|t| t.rep.handle == "maria") {
        assert_listed(&inbox, "Maria's inbox", &t.words);
    }
}

/// The customer's receipt shows their words and, by name, what staff told them.
async fn receipts(app: &TestApp, world: &World) {
    for c in &world.complaints {
        let page = read(app, &app.client, &c.receipt).await;
        assert_shows(&page, "a receipt", &c.words);
        if matches!(c.step, CaseStep::Acknowledge | CaseStep::Resolve) {
            let message = c.message.as_deref().unwrap_or_default();
            assert_shows(&page, "a receipt", message);
            assert_shows(&page, "a receipt", c.rep.handler().name);
        }
    }
    for t in &world.thanks {
        if let Some(reply) = &t.reply {
            let page = read(app, &app.client, &t.receipt).await;
            for words in [t.words.as_str(), &t.customer, reply, t.rep.handler().name] {
                assert_shows(&page, "a receipt", words);
            }
        }
    }
}

/// Pages that show the wall's stories to staff, and the pages about people and teams.
pub async fn after_publication(app: &TestApp, world: &World) {
    let admin = Desk::open(app, &ADMIN).await;
    let mut portfolios = Vec::new();
    for rep in &REPS {
        let path = format!("/staff/portfolio/{}", rep.handle);
        let page = admin.read(app, &path).await;
        assert_shows(&page, &path, rep.name);
        portfolios.push(page);
    }
    for t in &world.thanks {
        assert_listed(&portfolios, "the portfolios", &t.shown);
        assert_listed(&portfolios, "the portfolios", &t.customer);
    }
    let maria = Desk::open(app, &REPS[0]).await;
    let own = [maria.read(app, "/staff/portfolio").await];
    for t in world.thanks.iter().filter(|t| t.rep.handle == "maria") {
        assert_listed(&own, "Maria's portfolio", &t.shown);
    }
    set_setting(app, "leaderboard", 1);
    let stats = admin.read(app, "/staff/stats").await;
    for words in [CARE, BILLING]
        .into_iter()
        .chain(REPS.iter().map(|r| r.name))
    {
        assert_shows(&stats, "/staff/stats", words);
    }
    // The ten commonest tags: "kindness" and nine of the stories' own, each whole.
    let themes = world.payloads().filter(|p| stats.has(p)).count();
    assert!(
        stats.has("kindness") && themes == 9,
        "{themes} payloads among the themes"
    );
    people_and_teams(app, &admin).await;
    let audit = admin.read(app, "/staff/audit").await;
    for person in [&ADMIN, &MANAGER] {
        assert_shows(&audit, "/staff/audit (who)", person.name);
    }
    let outbox = admin.read_all(app, "/staff/outbox", "Older emails").await;
    for rep in REPS.iter().filter(|r| r.handle != "james") {
        assert_listed(&outbox, "the email list", rep.name);
    }
}

async fn people_and_teams(app: &TestApp, admin: &Desk) {
    let people = admin.read(app, "/staff/people").await;
    for person in everyone() {
        assert_shows(&people, "/staff/people", person.name);
        let path = format!("/staff/people/{}", app.staff_id(person.handle));
        let page = admin.read(app, &path).await;
        assert_eq!(
            page.text_of("title"),
            Some(format!("{} — Heard", person.name))
        );
        let input = page.tokens.iter().find_map(|t| match t {
            super::markup::Token::Start { name, attrs } if name == "input" => attrs
                .iter()
                .any(|(k, v)| k == "name" && v == "name")
                .then(|| {
                    attrs
                        .iter()
                        .find(|(k, _)| k == "value")
                        .map(|(_, v)| v.clone())
                })
                .flatten(),
            _ => None,
        });
        assert_eq!(
            input.as_deref(),
            Some(person.name),
            "{path}: the name field"
        );
    }
    let teams = admin.read(app, "/staff/teams").await;
    for team in [CARE, BILLING] {
        assert_shows(&teams, "/staff/teams", team);
        assert_shows(&people, "/staff/people", team);
        let path = format!("/staff/teams/{}", app.team_id(team));
        let page = admin.read(app, &path).await;
        assert_eq!(page.text_of("h1").as_deref(), Some(team), "{path}");
    }
    assert_shows(&teams, "/staff/teams", MANAGER.name);
}
