//! How the customer is told who answered them: the rep by their public name (per their
//! naming choice), anyone else by name (if they agreed to be named) and by their relation to
//! the rep — "Grace Okafor, Maria's manager" — or as an administrator.

use crate::domain::Role;
use crate::store::note_facts::NoteFacts;
use crate::store::staff::Staff;

/// The person who wrote to the customer about the note in `facts`, as the customer sees them.
pub fn for_customer(facts: &NoteFacts, author: &Staff) -> String {
    if facts.note.rep_id.as_ref() == Some(&author.id) {
        return facts.rep_public();
    }
    let rep_first = facts
        .rep
        .as_ref()
        .filter(|r| r.public_naming)
        .and_then(|r| r.name.split_whitespace().next());
    let team = facts.team.as_ref().map(|t| t.name.as_str());
    let relation = match (author.role, rep_first, team) {
        (Role::Rep, Some(first), _) => format!("{first}'s colleague"),
        (Role::Rep, None, Some(team)) => format!("a colleague on the {team} team"),
        (Role::Rep, None, None) => "a colleague".to_owned(),
        // An administrator is no one's manager by being one.
        (Role::Admin, _, _) => "an administrator".to_owned(),
        (_, Some(first), _) => format!("{first}'s manager"),
        (_, None, Some(team)) => format!("the {team} team's manager"),
        (_, None, None) => "a manager".to_owned(),
    };
    if author.public_naming {
        format!("{}, {relation}", author.name)
    } else {
        relation
    }
}

/// The same, as the subject that starts a sentence: "Grace Okafor, Maria's manager, has…",
/// "Maria's manager has…".
pub fn as_subject(facts: &NoteFacts, author: &Staff) -> String {
    subject(&for_customer(facts, author))
}

/// `words` with a capital first letter, and a comma closing an apposition.
fn subject(words: &str) -> String {
    let mut chars = words.chars();
    let mut subject: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if words.contains(", ") {
        subject.push(',');
    }
    subject
}

#[cfg(test)]
mod tests {
    use super::subject;

    #[test]
    fn a_subject_starts_with_a_capital_and_closes_its_apposition() {
        assert_eq!(subject("a manager"), "A manager");
        assert_eq!(
            subject("the Care team's manager"),
            "The Care team's manager"
        );
        assert_eq!(
            subject("Grace Okafor, Maria's manager"),
            "Grace Okafor, Maria's manager,"
        );
        assert_eq!(subject(""), "");
    }
}
