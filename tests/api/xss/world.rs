//! The hostile organisation the escaping test works in: staff and teams named with payloads,
//! and for every payload a consented thank-you (the customer's name and words) and a
//! complaint (the customer's name and words, and a staff member's message on its case).

use heard::domain::{PersonName, TeamName};

use crate::helpers::TestApp;
use crate::helpers::builders::{add_member, member, story, team};
use crate::helpers::notes::Note;
use crate::helpers::stories::story_id;

use super::staff::Desk;

/// Someone on the staff: the handle, and the name (a payload) an admin typed.
pub struct Person {
    pub handle: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub team: Option<&'static str>,
}

pub const CARE: &str = "\"><script>alert(1)</script> Care";
pub const BILLING: &str = "</title><img src=x onerror=alert(1)> Billing";

pub const ADMIN: Person = Person {
    handle: "priya",
    name: "Priya <ScRiPt>alert(1)</sCrIpT>",
    email: "priya@example.com",
    team: None,
};
pub const MANAGER: Person = Person {
    handle: "grace",
    name: "Grace '><details open ontoggle=alert(1)>",
    email: "grace@example.com",
    team: Some(CARE),
};
/// The reps; James prefers not to be named in public.
pub const REPS: [Person; 3] = [
    Person {
        handle: "maria",
        name: "Maria </title><svg onload=alert(1)>",
        email: "maria@example.com",
        team: Some(CARE),
    },
    Person {
        handle: "ruth",
        name: "\"><img src=x onerror=alert(1)> Ruth",
        email: "ruth@example.com",
        team: Some(CARE),
    },
    Person {
        handle: "james",
        name: "James </textarea><script>alert(1)</script>",
        email: "james@example.com",
        team: Some(BILLING),
    },
];

impl Person {
    /// Whether they agreed to be named in public.
    pub fn named(&self) -> bool {
        self.handle != "james"
    }

    /// How the public sees them: by name, or as a member of their team.
    pub fn label(&self) -> String {
        match (self.named(), self.team) {
            (true, _) => self.name.to_owned(),
            (false, Some(team)) => format!("a member of the {team} team"),
            (false, None) => "a member of our team".to_owned(),
        }
    }

    /// Who handles their complaints: the manager of Care, the admin for the rest.
    pub fn handler(&self) -> &'static Person {
        if self.team == Some(CARE) {
            &MANAGER
        } else {
            &ADMIN
        }
    }
}

/// A thank-you the customer agreed to share.
pub struct Thanks {
    pub n: usize,
    pub payload: String,
    pub customer: String,
    /// What the customer wrote.
    pub words: String,
    /// What the wall shows (a moderator may have changed it).
    pub shown: String,
    pub rep: &'static Person,
    pub note: String,
    pub story: String,
    pub receipt: String,
    /// A reply from staff, if one was sent.
    pub reply: Option<String>,
}

impl Thanks {
    /// The story's title: who thanks whom.
    pub fn title(&self) -> String {
        format!("{}, thanking {}", self.customer, self.rep.label())
    }

    /// The tag a moderator could never type, put straight into the database (the form
    /// refuses it), for the pages that show tags.
    pub fn raw_tag(&self) -> &str {
        &self.payload
    }
}

/// What staff do with a complaint's case, each with a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseStep {
    Acknowledge,
    Comment,
    AssignToRuth,
    Resolve,
}

pub struct Complaint {
    pub customer: String,
    pub words: String,
    pub rep: &'static Person,
    pub note: String,
    pub receipt: String,
    pub step: CaseStep,
    /// The staff member's message on the case, if the step has one.
    pub message: Option<String>,
}

/// A story a moderator declined, with a reason for its customer.
pub struct Declined {
    pub story: String,
    pub reason: String,
}

pub struct World {
    pub thanks: Vec<Thanks>,
    pub complaints: Vec<Complaint>,
    pub declined: Vec<Declined>,
}

/// The organisation: every name is a payload that the name and team rules accept. James
/// and his team are renamed after they are added, as an admin would.
fn hire(app: &TestApp) {
    for person in std::iter::once(&ADMIN).chain([&MANAGER]).chain(&REPS) {
        let name = PersonName::parse(person.name).expect("a valid name");
        assert_eq!(name.as_str(), person.name, "taken as typed");
        let (role, team) = match person.handle {
            "priya" => ("admin", ""),
            "grace" => ("manager", CARE),
            "james" => ("rep", "Billing"),
            _ => ("rep", CARE),
        };
        let added = if person.handle == "james" {
            "James Park"
        } else {
            person.name
        };
        add_member(app, (added, person.email, role, team, person.handle));
    }
    for team_name in [CARE, BILLING] {
        assert_eq!(
            TeamName::parse(team_name)
                .expect("a valid team name")
                .as_str(),
            team_name
        );
    }
    member(app, "james").renamed(REPS[2].name);
    member(app, "james").declines_naming();
    team(app, "Billing").renamed(BILLING);
    crate::helpers::staff::set_passwords(app);
}

impl World {
    /// Hires the staff, then sends a thank-you and a complaint for every payload, and a few
    /// thank-yous for a moderator to decline.
    pub async fn build(app: &TestApp, corpus: Vec<String>) -> Self {
        hire(app);
        let mut thanks = Vec::new();
        let mut complaints = Vec::new();
        for (n, payload) in corpus.into_iter().enumerate() {
            let rep = &REPS[n % REPS.len()];
            // Each field's text differs from the others', so that each is looked for alone.
            let (customer, words) = (
                format!("Customer {n}: {payload}"),
                format!("{payload} (thanks {n})"),
            );
            let sent = Note::thanks(rep.handle, &words)
                .customer(&customer, "c@example.com")
                .display("full")
                .publishable()
                .send(app)
                .await;
            thanks.push(Thanks {
                n,
                customer,
                shown: words.clone(),
                story: story_id(app, &words),
                words,
                rep,
                note: sent.id.clone(),
                receipt: sent.receipt_path(),
                reply: (n % 5 == 0).then(|| format!("Reply {n}: {payload}")),
                payload: payload.clone(),
            });
            let (customer, words) = (
                format!("Complainant {n}: {payload}"),
                format!("{payload} (#{n})"),
            );
            let sent = Note::complaint(rep.handle, &words)
                .customer(&customer, "c@example.com")
                .send(app)
                .await;
            let step = match n % 4 {
                0 => CaseStep::Acknowledge,
                1 => CaseStep::Comment,
                2 if rep.team == Some(CARE) => CaseStep::AssignToRuth,
                2 => CaseStep::Comment,
                _ => CaseStep::Resolve,
            };
            complaints.push(Complaint {
                customer,
                words,
                rep,
                note: sent.id.clone(),
                receipt: sent.receipt_path(),
                step,
                message: (step != CaseStep::AssignToRuth).then(|| format!("Answer {n}: {payload}")),
            });
        }
        let mut declined = Vec::new();
        for k in 0..4 {
            let words = format!("Please decline story {k}.");
            Note::thanks("maria", &words).publishable().send(app).await;
            declined.push(Declined {
                story: story_id(app, &words),
                reason: format!("Declined {k}: {}", thanks[k * 7].payload),
            });
        }
        Self {
            thanks,
            complaints,
            declined,
        }
    }

    /// Puts every story on the wall: one in ten through the moderation form in the
    /// moderator's own words, the others as written; each also gets a tag holding its payload.
    pub async fn publish(&mut self, app: &TestApp) {
        let desks = [
            Desk::open(app, &ADMIN).await,
            Desk::open(app, &MANAGER).await,
        ];
        for t in &mut self.thanks {
            if t.n % 10 == 0 {
                let desk = &desks[usize::from(t.rep.handler().handle == MANAGER.handle)];
                t.shown = format!("{} (thanks {}, in the moderator's words)", t.payload, t.n);
                let path = format!("/staff/stories/{}/publish", t.story);
                let fields = [("body", t.shown.as_str()), ("tags", "kindness")];
                assert_eq!(desk.post(app, &path, &fields).await.status(), 303, "{path}");
            }
            story(&t.story).tagged(&[t.raw_tag()]).publish(app);
        }
    }

    pub fn payloads(&self) -> impl Iterator<Item = &str> {
        self.thanks.iter().map(|t| t.payload.as_str())
    }

    /// What reaches someone's mailbox: the customers' words and the staff's messages to them.
    pub fn emailed(&self) -> Vec<String> {
        let words = self.thanks.iter().map(|t| t.words.clone());
        let replies = self.thanks.iter().filter_map(|t| t.reply.clone());
        let messages = self
            .complaints
            .iter()
            .filter(|c| matches!(c.step, CaseStep::Acknowledge | CaseStep::Resolve))
            .filter_map(|c| c.message.clone());
        let reasons = self.declined.iter().map(|d| d.reason.clone());
        words
            .chain(replies)
            .chain(messages)
            .chain(reasons)
            .collect()
    }
}
