//! Who is told about a new note (the rep, their manager or the team's, else the admins; the
//! customer's receipt): a pure function of the facts.
//!
//! The store gathers the facts (the rep and whether they are active, the rep's manager —
//! their own manager if set, else their team's, else the parent team's —, the team's manager,
//! the active admins); this module decides who gets which email.

use super::NoteKind;

/// Someone an email can go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub name: String,
    pub email: String,
}

impl Contact {
    pub fn new(name: &str, email: &str) -> Self {
        Self {
            name: name.to_owned(),
            email: email.to_owned(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RepFacts {
    pub contact: Contact,
    pub active: bool,
    /// The rep's manager as resolved by the store (own manager, else team or parent team manager).
    pub manager: Option<Contact>,
}

#[derive(Debug, Clone)]
pub struct RoutingFacts {
    pub kind: NoteKind,
    /// The rep the customer named, if they named one we know.
    pub rep: Option<RepFacts>,
    /// The manager of the team the customer chose, when they did not name a rep.
    pub team_manager: Option<Contact>,
    /// Whether the customer chose a team.
    pub team_given: bool,
    pub admins: Vec<Contact>,
    /// The customer, if they gave an email address.
    pub customer: Option<Contact>,
    /// Setting: complaints reach the rep at once (default) or only once acknowledged.
    pub complaint_to_rep_at_once: bool,
}

/// Which email someone gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mail {
    /// "Someone thanked you."
    ThanksToRep,
    /// The copy of a thank-you for the rep's manager.
    ThanksToManager,
    ComplaintToRep,
    ComplaintToManager,
    /// A note whose rep is unknown (or no longer here), for the team manager or the admins.
    Unrouted,
    /// The customer's receipt with their private link.
    Receipt,
}

impl Mail {
    /// The template folder under `templates/email/`.
    pub fn template(self) -> &'static str {
        match self {
            Self::ThanksToRep => "thanks_rep",
            Self::ThanksToManager => "thanks_manager",
            Self::ComplaintToRep => "complaint_rep",
            Self::ComplaintToManager => "complaint_manager",
            Self::Unrouted => "note_unrouted",
            Self::Receipt => "receipt",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub to: Contact,
    pub mail: Mail,
}

/// Everyone who is told about a new note, each once.
pub fn route_new_note(facts: &RoutingFacts) -> Vec<Delivery> {
    let mut out: Vec<Delivery> = Vec::new();
    let mut push = |to: &Contact, mail: Mail| {
        if !out.iter().any(|d| d.to.email == to.email) {
            out.push(Delivery {
                to: to.clone(),
                mail,
            });
        }
    };
    let thanks = facts.kind == NoteKind::Thanks;
    match &facts.rep {
        Some(rep) if rep.active => {
            if thanks {
                push(&rep.contact, Mail::ThanksToRep);
            } else if facts.complaint_to_rep_at_once {
                push(&rep.contact, Mail::ComplaintToRep);
            }
            let copy = if thanks {
                Mail::ThanksToManager
            } else {
                Mail::ComplaintToManager
            };
            match &rep.manager {
                Some(manager) => push(manager, copy),
                // Nobody manages this rep: the admins stand in, so the note is never unread.
                None => facts.admins.iter().for_each(|a| push(a, copy)),
            }
        }
        _ => match (&facts.team_manager, facts.team_given) {
            (Some(manager), _) => push(manager, Mail::Unrouted),
            _ => facts.admins.iter().for_each(|a| push(a, Mail::Unrouted)),
        },
    }
    if let Some(customer) = &facts.customer {
        push(customer, Mail::Receipt);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(name: &str) -> Contact {
        Contact::new(name, &format!("{}@example.com", name.to_lowercase()))
    }

    fn facts(kind: NoteKind) -> RoutingFacts {
        RoutingFacts {
            kind,
            rep: None,
            team_manager: None,
            team_given: false,
            admins: vec![c("Admin1"), c("Admin2")],
            customer: Some(c("Customer")),
            complaint_to_rep_at_once: true,
        }
    }

    fn rep(active: bool, manager: Option<&str>) -> Option<RepFacts> {
        Some(RepFacts {
            contact: c("Rep"),
            active,
            manager: manager.map(c),
        })
    }

    fn summary(deliveries: &[Delivery]) -> Vec<(String, Mail)> {
        deliveries
            .iter()
            .map(|d| (d.to.name.clone(), d.mail))
            .collect()
    }

    #[test]
    fn the_routing_table() {
        use Mail::*;
        use NoteKind::{Complaint, Thanks};
        type Case = (&'static str, RoutingFacts, Vec<(&'static str, Mail)>);
        let with = |kind, f: &dyn Fn(&mut RoutingFacts)| {
            let mut x = facts(kind);
            f(&mut x);
            x
        };
        let cases: Vec<Case> = vec![
            (
                "thank-you, rep known and active",
                with(Thanks, &|f| f.rep = rep(true, Some("Boss"))),
                vec![
                    ("Rep", ThanksToRep),
                    ("Boss", ThanksToManager),
                    ("Customer", Receipt),
                ],
            ),
            (
                "complaint, rep known, told at once",
                with(Complaint, &|f| f.rep = rep(true, Some("Boss"))),
                vec![
                    ("Rep", ComplaintToRep),
                    ("Boss", ComplaintToManager),
                    ("Customer", Receipt),
                ],
            ),
            (
                "complaint, rep told only once acknowledged",
                with(Complaint, &|f| {
                    f.rep = rep(true, Some("Boss"));
                    f.complaint_to_rep_at_once = false;
                }),
                vec![("Boss", ComplaintToManager), ("Customer", Receipt)],
            ),
            (
                "rep without a manager: admins get the copy",
                with(Thanks, &|f| f.rep = rep(true, None)),
                vec![
                    ("Rep", ThanksToRep),
                    ("Admin1", ThanksToManager),
                    ("Admin2", ThanksToManager),
                    ("Customer", Receipt),
                ],
            ),
            (
                "inactive rep, team given: the team manager",
                with(Thanks, &|f| {
                    f.rep = rep(false, Some("Boss"));
                    f.team_given = true;
                    f.team_manager = Some(c("Lead"));
                }),
                vec![("Lead", Unrouted), ("Customer", Receipt)],
            ),
            (
                "unknown rep, team given",
                with(Complaint, &|f| {
                    f.team_given = true;
                    f.team_manager = Some(c("Lead"));
                }),
                vec![("Lead", Unrouted), ("Customer", Receipt)],
            ),
            (
                "unknown rep, team without a manager: admins",
                with(Thanks, &|f| f.team_given = true),
                vec![
                    ("Admin1", Unrouted),
                    ("Admin2", Unrouted),
                    ("Customer", Receipt),
                ],
            ),
            (
                "no rep, no team: admins",
                facts(Thanks),
                vec![
                    ("Admin1", Unrouted),
                    ("Admin2", Unrouted),
                    ("Customer", Receipt),
                ],
            ),
            (
                "no customer email: no receipt",
                with(Thanks, &|f| {
                    f.rep = rep(true, Some("Boss"));
                    f.customer = None;
                }),
                vec![("Rep", ThanksToRep), ("Boss", ThanksToManager)],
            ),
            (
                "a rep who manages themselves is told once",
                with(Thanks, &|f| f.rep = rep(true, Some("Rep"))),
                vec![("Rep", ThanksToRep), ("Customer", Receipt)],
            ),
        ];
        for (name, facts, want) in cases {
            let got = summary(&route_new_note(&facts));
            let want: Vec<(String, Mail)> =
                want.into_iter().map(|(n, m)| (n.to_owned(), m)).collect();
            assert_eq!(got, want, "{name}");
        }
    }
}
