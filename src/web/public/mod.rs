//! Pages anyone may see, without an account.

pub mod health;
pub mod home;
pub mod setup;
