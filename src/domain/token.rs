//! What a one-time link is for.

use super::text_enum::text_enum;

text_enum!(
    /// The first admin's setup link, an invitation to choose a password, or a reset.
    TokenKind, "a token kind" {
        Setup = "setup", Invitation = "invitation", PasswordReset = "password_reset",
    }
);
