//! The CLI commands: each loads settings, does one job, and returns an error with a clear message.

mod backup;
mod check;
mod copy;
pub mod demo;
mod migrate;
mod progress;
mod serve;
mod staff;

use crate::cli::{Cli, Command, StaffCommand};
use crate::config::Settings;

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(&cli.config)?;
    crate::telemetry::init(settings.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve::run(settings),
        Command::Migrate { dry_run } => migrate::run(&settings, dry_run),
        Command::Backup { file } => backup::backup(&settings, &file),
        Command::Restore { file, force } => backup::restore(&settings, &file, force),
        Command::Copy { to } => copy::run(&settings, &to),
        Command::Demo { stories } => demo::run(&settings, stories),
        Command::Staff(StaffCommand::Add(args)) => staff::add(&settings, &args),
        Command::Staff(StaffCommand::Import { file, create_team }) => {
            staff::import(&settings, &file, create_team)
        }
        Command::Check { send_test_email } => check::run(&settings, send_test_email.as_deref()),
    }
}

/// An error and its causes on one line, as the CLI prints it.
pub fn one_line(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string().replace(['\n', '\r'], " ");
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// Opens the database (migrating it first), for commands that work on it directly.
fn open_db(settings: &Settings) -> anyhow::Result<crate::db::DbConn> {
    let mut conn = crate::db::connect(&settings.database)?;
    crate::db::migrate(&mut conn)?;
    Ok(conn)
}
