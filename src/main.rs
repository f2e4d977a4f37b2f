//! The `heard` binary: parse the command line, run the command, exit non-zero with one line on failure.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    heard::init_tls();
    let cli = heard::cli::Cli::parse();
    match heard::commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("heard: {}", heard::commands::one_line(&err));
            ExitCode::FAILURE
        }
    }
}
