//! Pages anyone may see, without an account.

pub mod feedback;
pub mod health;
pub mod home;
pub mod receipt;
pub mod reps;
pub mod setup;
pub mod wall;
