//! The command line (a public contract, listed in the README). Every setting is a flag and a
//! `HEARD_*` variable, declared with the settings in [`crate::config`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use crate::config::ConfigArgs;

#[derive(Debug, Parser)]
#[command(
    name = "heard",
    version,
    about = "Customers thank (or complain about) the rep who helped them.",
    long_about = "Heard routes every note to the rep and their manager by email, and lets managers \
                  curate the best thank-you notes, with consent, into a public wall of recognition.\n\n\
                  With no subcommand, `heard` runs `serve`."
)]
pub struct Cli {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database, then serve (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate {
        /// List the migrations that would be applied, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Copy the SQLite database, pictures included, into FILE while Heard keeps serving.
    Backup {
        /// The backup to write (must not exist yet).
        file: PathBuf,
    },
    /// Put a backup made by `heard backup` in place of the SQLite database (stop Heard first).
    Restore {
        /// The backup to read.
        file: PathBuf,
        /// Replace a database that already holds staff or notes.
        #[arg(long)]
        force: bool,
    },
    /// Copy every row of the database into another, empty one (SQLite to PostgreSQL or
    /// back), then check that every table's row count matches.
    Copy {
        /// The database to copy into, like postgres://heard@127.0.0.1/heard or
        /// sqlite://data/heard.db; it must hold no data yet.
        #[arg(long, value_name = "URL")]
        to: String,
    },
    /// Create (once) a sample organisation: teams, managers, reps, notes and stories.
    Demo {
        /// Also add this many published stories (for benchmarks).
        #[arg(long, value_name = "N")]
        stories: Option<u64>,
    },
    /// Manage staff accounts.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Check the configuration, the database and the mail server.
    Check {
        /// Also send a test email to this address.
        #[arg(long, value_name = "ADDR")]
        send_test_email: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Add one staff member.
    Add(StaffAddArgs),
    /// Import staff from a CSV file with columns name,email,role,team,handle,manager_email.
    Import {
        /// The CSV file (with a header row).
        file: PathBuf,
        /// Create the teams the file names even where one is close to an existing team's name
        /// (otherwise that is an error naming the team meant; a new name is always created).
        #[arg(long)]
        create_team: bool,
    },
}

#[derive(Debug, Args)]
pub struct StaffAddArgs {
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub email: String,
    /// rep, manager or admin.
    #[arg(long)]
    pub role: String,
    /// Team name; a new one is created, unless it is close to an existing team's name (then
    /// it is an error naming that team, unless --create-team is given).
    #[arg(long)]
    pub team: Option<String>,
    /// Create the team named by --team even if its name is close to an existing team's.
    #[arg(long)]
    pub create_team: bool,
    /// Short name used in personal links (/to/HANDLE); derived from the name when omitted.
    #[arg(long)]
    pub handle: Option<String>,
    /// Email of this person's manager, when it is not their team's manager.
    #[arg(long, value_name = "EMAIL")]
    pub manager: Option<String>,
    /// Read a password from standard input (otherwise the person sets one from an invitation).
    #[arg(long)]
    pub password_stdin: bool,
}
