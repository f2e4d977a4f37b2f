//! Staff roles and team names.

use std::fmt;

use super::{FieldError, Invalid, text::single_line, text_enum::text_enum};

text_enum!(
    /// What a staff member may do: reps see their own notes, managers their teams', admins all.
    Role, "a role" { Rep = "rep", Manager = "manager", Admin = "admin" }
);

impl Role {
    /// How pages name the role.
    pub fn label(self) -> &'static str {
        match self {
            Self::Rep => "Rep",
            Self::Manager => "Manager",
            Self::Admin => "Admin",
        }
    }

    /// A role as people type it in a CSV or on the command line: "Manager", "ADMIN", " rep ".
    pub fn parse_any_case(input: &str) -> Result<Self, Invalid> {
        Self::parse(&input.trim().to_lowercase())
    }
}

/// The names among `known` close to `wanted` (same letters in another case, one inside the
/// other, or a couple of typing slips apart), for an error that says "did you mean …".
pub fn close_matches<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let wanted = wanted.trim().to_lowercase();
    known
        .into_iter()
        .filter(|name| {
            let name = name.to_lowercase();
            name.contains(&wanted) || wanted.contains(&name) || edit_distance(&name, &wanted) <= 2
        })
        .map(str::to_owned)
        .collect()
}

/// How many single-character insertions, deletions or substitutions turn `a` into `b`.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitute.min(previous + 1).min(row[j] + 1);
        }
    }
    row[b.len()]
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct TeamName(String);

impl TeamName {
    pub const MAX_CHARS: usize = 80;

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        single_line(input, "Team name", Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// "Care & Billing" → "care-billing": for URLs and filters.
    pub fn slug(&self) -> String {
        let mut slug = String::new();
        for c in self.0.chars() {
            if c.is_alphanumeric() {
                slug.extend(c.to_lowercase());
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        while slug.ends_with('-') {
            slug.pop();
        }
        if slug.is_empty() {
            "team".to_owned()
        } else {
            slug
        }
    }
}

impl fmt::Display for TeamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles() {
        assert_eq!(Role::parse("manager"), Ok(Role::Manager));
        assert!(Role::parse("Manager").is_err());
        assert_eq!(Role::parse_any_case("Manager"), Ok(Role::Manager));
        assert_eq!(Role::parse_any_case(" ADMIN "), Ok(Role::Admin));
        assert!(Role::parse_any_case("root").is_err());
        assert!(Role::parse("root").is_err());
    }

    #[test]
    fn close_team_names() {
        let known = ["Care", "Billing", "Customer Care", "Returns"];
        assert_eq!(close_matches("care", known), ["Care", "Customer Care"]);
        assert_eq!(close_matches("Biling", known), ["Billing"]);
        assert!(close_matches("Sales", known).is_empty());
    }

    #[test]
    fn team_names_and_slugs() {
        for (input, name, slug) in [
            ("Care", "Care", "care"),
            ("  Care  &  Billing ", "Care & Billing", "care-billing"),
            ("Équipe Soins", "Équipe Soins", "équipe-soins"),
            ("!!!", "!!!", "team"),
        ] {
            let team = TeamName::parse(input).unwrap();
            assert_eq!(team.as_str(), name);
            assert_eq!(team.slug(), slug);
        }
        for bad in ["", "Care\nBilling", &"x".repeat(81)] {
            assert!(TeamName::parse(bad).is_err(), "accepted {bad:?}");
        }
    }
}

/// One staff member to add, as typed on the command line, in a CSV row or in a form.
#[derive(Debug, Clone)]
pub struct StaffInput {
    pub name: super::PersonName,
    pub email: super::Email,
    pub role: Role,
    pub team: Option<TeamName>,
    pub handle: Option<super::Handle>,
    pub manager_email: Option<super::Email>,
}

/// The raw text of a [`StaffInput`]; empty optional fields mean "none".
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct StaffFields {
    pub name: String,
    pub email: String,
    pub role: String,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub handle: String,
    #[serde(default)]
    pub manager_email: String,
}

impl StaffInput {
    /// Parses every field and reports every problem, not just the first.
    pub fn parse(fields: &StaffFields) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut check = |field: &str, result: Result<(), Invalid>| {
            if let Err(e) = result {
                errors.push(FieldError::new(field, e.0));
            }
        };
        let optional = |text: &str| {
            Some(text.trim())
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        let name = super::PersonName::parse(&fields.name);
        let email = super::Email::parse(&fields.email);
        let role = Role::parse_any_case(&fields.role);
        let team = optional(&fields.team)
            .map(|t| TeamName::parse(&t))
            .transpose();
        let handle = optional(&fields.handle)
            .map(|h| super::Handle::parse(&h))
            .transpose();
        let manager_email = optional(&fields.manager_email)
            .map(|m| super::Email::parse(&m))
            .transpose();
        check("name", name.clone().map(drop));
        check("email", email.clone().map(drop));
        check("role", role.clone().map(drop));
        check("team", team.clone().map(drop));
        check("handle", handle.clone().map(drop));
        check("manager_email", manager_email.clone().map(drop));
        match (name, email, role, team, handle, manager_email) {
            (Ok(name), Ok(email), Ok(role), Ok(team), Ok(handle), Ok(manager_email))
                if errors.is_empty() =>
            {
                Ok(Self {
                    name,
                    email,
                    role,
                    team,
                    handle,
                    manager_email,
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod input_tests {
    use super::*;

    #[test]
    fn every_problem_is_reported() {
        let fields = StaffFields {
            name: "".into(),
            email: "nope".into(),
            role: "boss".into(),
            team: "Care".into(),
            handle: "-x".into(),
            manager_email: "also nope".into(),
        };
        let errors = StaffInput::parse(&fields).unwrap_err();
        let names: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, ["name", "email", "role", "handle", "manager_email"]);
    }

    #[test]
    fn optional_fields_may_be_empty() {
        let fields = StaffFields {
            name: "Ana Silva".into(),
            email: "ana@example.com".into(),
            role: "rep".into(),
            ..Default::default()
        };
        let input = StaffInput::parse(&fields).unwrap();
        assert!(input.team.is_none() && input.handle.is_none() && input.manager_email.is_none());
    }
}
