//! Where an email in the outbox stands.

use super::text_enum::text_enum;

text_enum!(
    /// Waiting to be sent (or retried), sent, or given up on.
    OutboxStatus, "an email status" { Pending = "pending", Sent = "sent", Dead = "dead" }
);
