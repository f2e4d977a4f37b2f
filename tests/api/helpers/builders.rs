//! Test data, each piece in one line that says what it is: the seeded organisation, people
//! and teams changed (`member(&app, "maria").declines_naming()`), stories put on the wall
//! without a moderator (`every_story().publish(&app)`), notes made older, links expired,
//! settings set, emails failed, notes (and featured stories) stored in bulk. The raw SQL lives
//! here and nowhere else.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use heard::db::ids::{NoteId, OutboxId, StaffId, StoryId, TeamId};
use heard::db::schema::{notes, outbox, staff, stories, story_tags, teams, tokens};
use heard::domain::{OutboxStatus, StaffFields, StaffInput, TeamName};
use heard::store::audit::Actor;
use heard::store::staff::{NewMember, add_all};

use super::TestApp;

/// One person, as a row of a staff import: name, email, role, team, handle.
type Row<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str);

fn new_member((name, email, role, team, handle): Row) -> NewMember {
    NewMember {
        input: StaffInput::parse(&StaffFields {
            name: name.into(),
            email: email.into(),
            role: role.into(),
            team: team.into(),
            handle: handle.into(),
            manager_email: String::new(),
        })
        .expect("a valid staff row"),
        password_hash: None,
    }
}

fn add_rows(app: &TestApp, rows: &[Row]) {
    let members: Vec<NewMember> = rows.iter().copied().map(new_member).collect();
    let mut conn = app.conn();
    heard::db::write_tx(&mut conn, |c| add_all(c, &members, &Actor::System("test")))
        .expect("add staff");
}

/// A small organisation: Care (manager Grace; reps Maria, and Sam who is no longer here),
/// Billing (no manager; rep James, who prefers not to be named), and an admin, Priya.
pub fn seed_org(app: &TestApp) {
    add_rows(
        app,
        &[
            ("Priya Natarajan", "priya@example.com", "admin", "", "priya"),
            (
                "Grace Okafor",
                "grace@example.com",
                "manager",
                "Care",
                "grace",
            ),
            ("Maria Lopez", "maria@example.com", "rep", "Care", "maria"),
            ("Sam Okoro", "sam@example.com", "rep", "Care", "sam"),
            ("James Park", "james@example.com", "rep", "Billing", "james"),
        ],
    );
    member(app, "sam").leaves();
    member(app, "james").declines_naming();
}

/// Adds one person the way an import does (a new team is created for them).
pub fn add_member(app: &TestApp, row: Row) {
    add_rows(app, &[row]);
}

/// Someone on the staff, by handle, about to change.
pub struct Member<'a> {
    app: &'a TestApp,
    handle: &'a str,
}

pub fn member<'a>(app: &'a TestApp, handle: &'a str) -> Member<'a> {
    Member { app, handle }
}

impl Member<'_> {
    /// They leave: their account is deactivated.
    pub fn leaves(&self) {
        diesel::update(staff::table.filter(staff::handle.eq(self.handle)))
            .set(staff::active.eq(false))
            .execute(&mut self.app.conn())
            .expect("deactivate");
    }

    /// They prefer not to be named in public.
    pub fn declines_naming(&self) {
        diesel::update(staff::table.filter(staff::handle.eq(self.handle)))
            .set(staff::public_naming.eq(false))
            .execute(&mut self.app.conn())
            .expect("stay unnamed");
    }

    /// Their name is now `name` (as an admin typed it).
    pub fn renamed(&self, name: &str) {
        diesel::update(staff::table.filter(staff::handle.eq(self.handle)))
            .set(staff::name.eq(name))
            .execute(&mut self.app.conn())
            .expect("rename");
    }

    /// They join the team with this name.
    pub fn joins(&self, team: &str) {
        let id = self.app.team_id(team);
        diesel::update(staff::table.filter(staff::handle.eq(self.handle)))
            .set(staff::team_id.eq(Some(id)))
            .execute(&mut self.app.conn())
            .expect("join a team");
    }
}

/// Adds a team with no manager and no parent.
pub fn add_team(app: &TestApp, name: &str) {
    let name = TeamName::parse(name).expect("a team name");
    heard::store::teams::create(&mut app.conn(), &name, None).expect("create a team");
}

/// A team, by name, about to change.
pub struct Team<'a> {
    app: &'a TestApp,
    name: &'a str,
}

pub fn team<'a>(app: &'a TestApp, name: &'a str) -> Team<'a> {
    Team { app, name }
}

impl Team<'_> {
    fn id(&self) -> TeamId {
        TeamId::parse(&self.app.team_id(self.name)).expect("a team id")
    }

    /// It becomes a sub-team of `parent`.
    pub fn sits_under(&self, parent: &str) {
        let parent = team(self.app, parent).id();
        heard::store::teams::set_parent(&mut self.app.conn(), &self.id(), &parent)
            .expect("set the parent team");
    }

    /// The person with this handle manages it.
    pub fn managed_by(&self, handle: &str) {
        let manager = StaffId::parse(&self.app.staff_id(handle)).expect("a staff id");
        heard::store::teams::set_manager(&mut self.app.conn(), &self.id(), &manager)
            .expect("set the manager");
    }

    /// Its name is now `name` (as an admin typed it).
    pub fn renamed(&self, name: &str) {
        diesel::update(teams::table.filter(teams::name.eq(self.name)))
            .set(teams::name.eq(name))
            .execute(&mut self.app.conn())
            .expect("rename a team");
    }
}

/// Stories put on the wall directly, as if a moderator had published them as written.
pub struct OnTheWall {
    story: Option<StoryId>,
    tags: Vec<String>,
    words: Option<String>,
}

/// Every story there is.
pub fn every_story() -> OnTheWall {
    OnTheWall {
        story: None,
        tags: Vec::new(),
        words: None,
    }
}

/// One story, by id.
pub fn story(id: &str) -> OnTheWall {
    OnTheWall {
        story: Some(StoryId::parse(id).expect("a story id")),
        ..every_story()
    }
}

impl OnTheWall {
    pub fn tagged(mut self, tags: &[&str]) -> Self {
        self.tags = tags.iter().map(|t| (*t).to_owned()).collect();
        self
    }

    /// The wall shows these words (the moderator's text).
    pub fn reading(mut self, words: &str) -> Self {
        self.words = Some(words.to_owned());
        self
    }

    pub fn publish(self, app: &TestApp) {
        let mut conn = app.conn();
        let now = heard::store::now();
        let ids: Vec<StoryId> = match self.story {
            Some(id) => vec![id],
            None => stories::table
                .select(stories::id)
                .load(&mut conn)
                .expect("the stories"),
        };
        for id in &ids {
            diesel::update(stories::table.find(id))
                .set((
                    stories::status.eq("published"),
                    stories::published_at.eq(now),
                    stories::updated_at.eq(now),
                ))
                .execute(&mut conn)
                .expect("publish");
            if let Some(words) = &self.words {
                diesel::update(stories::table.find(id))
                    .set(stories::body.eq(words))
                    .execute(&mut conn)
                    .expect("the wall's words");
            }
            for tag in &self.tags {
                diesel::insert_into(story_tags::table)
                    .values((story_tags::story_id.eq(id), story_tags::tag.eq(tag)))
                    .execute(&mut conn)
                    .expect("tag");
            }
        }
    }
}

/// Every note was sent `ago` before now.
pub fn backdate_notes(app: &TestApp, ago: Duration) {
    diesel::update(notes::table)
        .set(notes::created_at.eq(heard::store::now() - ago))
        .execute(&mut app.conn())
        .expect("backdate the notes");
}

/// Every invitation and reset link expired a minute ago.
pub fn expire_tokens(app: &TestApp) {
    diesel::update(tokens::table)
        .set(tokens::expires_at.eq(heard::store::now() - Duration::minutes(1)))
        .execute(&mut app.conn())
        .expect("expire the links");
}

/// An email about this note could not be delivered and was given up on: its outbox id.
pub fn an_email_failed(app: &TestApp, note: &str) -> String {
    let note = NoteId::parse(note).expect("a note id");
    let mut conn = app.conn();
    let id: OutboxId = outbox::table
        .filter(outbox::note_id.eq(&note))
        .select(outbox::id)
        .first(&mut conn)
        .expect("an email about the note");
    diesel::update(outbox::table.find(&id))
        .set((
            outbox::status.eq(OutboxStatus::Dead),
            outbox::last_error.eq("550 no such user here"),
        ))
        .execute(&mut conn)
        .expect("fail an email");
    id.to_string()
}

/// An organisation setting, as an admin would set it (`complaint_retention_days`…).
pub fn set_setting(app: &TestApp, key: &str, value: i64) {
    heard::store::settings::set(&mut app.conn(), key, value).expect("set a setting");
}

/// Private thank-yous to no one in particular, stored straight into the database in bulk:
/// each says `words` followed by its number.
pub struct StoredNotes {
    count: usize,
    words: String,
}

impl StoredNotes {
    pub fn thanks(count: usize, words: &str) -> Self {
        Self {
            count,
            words: words.to_owned(),
        }
    }

    pub fn insert(self, app: &TestApp) {
        let now: NaiveDateTime = heard::store::now();
        let rows: Vec<heard::store::notes::NewNote> = (0..self.count)
            .map(|n| heard::store::notes::NewNote {
                id: NoteId::new(),
                reference: format!("H-S{n:06}"),
                kind: heard::domain::NoteKind::Thanks,
                rep_id: None,
                team_id: None,
                customer_name: Some("Pat Doe".into()),
                customer_email: None,
                display: heard::domain::Display::First,
                consent_publish: false,
                allow_reply: false,
                body: Some(format!("{}{n}", self.words)),
                interaction_date: None,
                channel: None,
                status: heard::domain::NoteStatus::Received,
                receipt_token_hash: None,
                idempotency_key: None,
                created_at: now,
                updated_at: now,
                content_hash: None,
            })
            .collect();
        let mut conn = app.conn();
        for chunk in rows.chunks(2_000) {
            heard::store::notes::insert(&mut conn, chunk).expect("store notes");
        }
    }
}

/// `count` thank-yous to the rep with this handle, stored straight into the database, each
/// published on the wall and featured; each says `words` followed by its number.
pub fn featured_stories(app: &TestApp, handle: &str, count: usize, words: &str) {
    let mut conn = app.conn();
    let rep: heard::store::staff::Staff = staff::table
        .filter(staff::handle.eq(handle))
        .select(heard::store::staff::Staff::as_select())
        .first(&mut conn)
        .expect("a rep with that handle");
    let now: NaiveDateTime = heard::store::now();
    let mut notes = Vec::with_capacity(count);
    let mut stories = Vec::with_capacity(count);
    for n in 0..count {
        let note = heard::store::notes::NewNote {
            id: NoteId::new(),
            reference: format!("H-F{n:06}"),
            kind: heard::domain::NoteKind::Thanks,
            rep_id: Some(rep.id.clone()),
            team_id: rep.team_id.clone(),
            customer_name: Some("Pat Doe".into()),
            customer_email: None,
            display: heard::domain::Display::First,
            consent_publish: true,
            allow_reply: false,
            body: Some(format!("{words}{n}")),
            interaction_date: None,
            channel: None,
            status: heard::domain::NoteStatus::Published,
            receipt_token_hash: None,
            idempotency_key: None,
            created_at: now,
            updated_at: now,
            content_hash: None,
        };
        stories.push(heard::store::stories::NewStory {
            id: StoryId::new(),
            note_id: note.id.clone(),
            rep_id: note.rep_id.clone(),
            team_id: note.team_id.clone(),
            body: note.body.clone(),
            edited: false,
            status: heard::domain::StoryStatus::Published,
            featured: true,
            moderator_id: None,
            published_at: Some(now),
            created_at: now,
            updated_at: now,
        });
        notes.push(note);
    }
    heard::store::notes::insert(&mut conn, &notes).expect("store notes");
    heard::store::stories::insert(&mut conn, &stories).expect("store stories");
}

/// A small PNG, as a photo or a logo is uploaded.
pub fn picture() -> Vec<u8> {
    let mut png = Vec::new();
    image::RgbImage::from_pixel(64, 64, image::Rgb([30, 90, 60]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("a PNG");
    png
}
