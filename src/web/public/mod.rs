//! Pages anyone may see, without an account.

pub mod health;
pub mod home;
pub mod notes;
pub mod receipt;
pub mod reps;
pub mod setup;
pub mod wall;
pub mod wall_about;
pub mod wall_query;
