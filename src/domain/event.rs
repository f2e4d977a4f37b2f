//! What happened to a note after it arrived (the `note_events` table).

use super::text_enum::text_enum;

text_enum!(
    /// A case step, an internal comment, an escalation, or a reply to the customer.
    EventKind, "an event" {
        Acknowledged = "acknowledged",
        Assigned = "assigned",
        Comment = "comment",
        Resolved = "resolved",
        Escalated = "escalated",
        Reply = "reply",
    }
);
