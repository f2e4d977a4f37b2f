//! The command line (a public contract, listed in the README). Every setting is a flag and a `HEARD_*` variable.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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

/// Settings given on the command line or in the environment; they win over the config file.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigArgs {
    /// TOML file of settings (lower precedence than HEARD_* variables and flags).
    #[arg(
        long = "config",
        env = "HEARD_CONFIG",
        global = true,
        value_name = "FILE"
    )]
    pub config_file: Option<PathBuf>,
    /// sqlite://PATH (default sqlite://data/heard.db) or postgres://USER@HOST/DB.
    #[arg(
        long,
        env = "HEARD_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "HEARD_BIND", global = true)]
    pub bind: Option<String>,
    /// Public URL of this instance, used in links inside emails [default: http://<bind>].
    #[arg(long, env = "HEARD_BASE_URL", global = true)]
    pub base_url: Option<String>,
    /// Directory for the SQLite database, the generated secret key and .eml files [default: data].
    #[arg(long, env = "HEARD_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Key that signs sessions (at least 32 characters); generated and kept in the data dir when unset.
    #[arg(long, env = "HEARD_SECRET_KEY", global = true, hide_env_values = true)]
    pub secret_key: Option<String>,
    /// smtp://user:pass@host:port, smtps://..., or smtp://host:port?tls=none; unset writes .eml files.
    #[arg(long, env = "HEARD_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender of every email [default: Heard <heard@localhost>].
    #[arg(long, env = "HEARD_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,
    /// Public POSTs accepted per client address per minute; 0 turns the limit off [default: 30].
    #[arg(long, env = "HEARD_RATE_LIMIT_PER_MINUTE", global = true)]
    pub rate_limit_per_minute: Option<String>,
    /// Comma-separated addresses or CIDRs whose X-Forwarded-For is believed [default: none].
    #[arg(long, env = "HEARD_TRUSTED_PROXIES", global = true)]
    pub trusted_proxies: Option<String>,
    /// A public form posted sooner than this after it was served is treated as automated [default: 3].
    #[arg(long, env = "HEARD_FORM_MIN_SECONDS", global = true)]
    pub form_min_seconds: Option<String>,
    /// Comma-separated origins (like https://www.example.com) allowed to frame /embed/wall [default: none].
    #[arg(long, env = "HEARD_EMBED_ORIGINS", global = true)]
    pub embed_origins: Option<String>,
    /// Seconds a mail worker holds the emails it is sending; after a crash, others wait this long [default: 120].
    #[arg(long, env = "HEARD_MAIL_LEASE_SECONDS", global = true)]
    pub mail_lease_seconds: Option<String>,
    /// Where GET /metrics is served: `off`, `on` (on the main address, for private networks)
    /// or a `host:port` of its own that serves nothing else [default: off].
    #[arg(long, env = "HEARD_METRICS", global = true)]
    pub metrics: Option<String>,
    /// Log format: `text` or `json` [default: text].
    #[arg(long, env = "HEARD_LOG_FORMAT", global = true)]
    pub log_format: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database, then serve (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
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
    /// Team name (created if it does not exist yet).
    #[arg(long)]
    pub team: Option<String>,
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
