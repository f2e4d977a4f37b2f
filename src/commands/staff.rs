//! `heard staff add` and `heard staff import FILE.csv`: all rows are checked before any is written.

use std::io::BufRead;
use std::path::Path;

use anyhow::{Context, bail};

use crate::cli::StaffAddArgs;
use crate::config::Settings;
use crate::db::write_tx;
use crate::domain::{Password, StaffFields, StaffInput, staff_csv};
use crate::store::audit::Actor;
use crate::store::staff::{self, AddError, Added, NewMember, NewTeams, RowError};

pub fn add(settings: &Settings, args: &StaffAddArgs) -> anyhow::Result<()> {
    let fields = StaffFields {
        name: args.name.clone(),
        email: args.email.clone(),
        role: args.role.clone(),
        team: args.team.clone().unwrap_or_default(),
        handle: args.handle.clone().unwrap_or_default(),
        manager_email: args.manager.clone().unwrap_or_default(),
    };
    let input = StaffInput::parse(&fields).map_err(|errors| {
        let list: Vec<String> = errors
            .iter()
            .map(|e| {
                format!(
                    "--{}: {}",
                    e.field.replace('_', "-").replace("-email", ""),
                    e.message
                )
            })
            .collect();
        anyhow::anyhow!(list.join("; "))
    })?;
    let password_hash = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        let password = Password::parse(line.trim_end_matches(['\n', '\r']))
            .map_err(|e| anyhow::anyhow!("password: {e}"))?;
        Some(password.hash().map_err(|e| anyhow::anyhow!("{e}"))?)
    } else {
        None
    };
    let mut conn = super::open_db(settings)?;
    let members = [NewMember {
        input,
        password_hash,
    }];
    let added = write_tx(&mut conn, |c| {
        staff::add_all_with(
            c,
            &members,
            &Actor::System("cli"),
            new_teams(args.create_team),
        )
    });
    match added {
        Ok(added) => {
            report(&added);
            Ok(())
        }
        Err(AddError::Rows(rows)) => {
            let list: Vec<String> = rows
                .iter()
                .map(|r| format!("{}: {}", r.error.field, r.error.message))
                .collect();
            bail!(
                "{}; nothing was added{}",
                list.join("; "),
                create_hint(&rows, "--create-team")
            )
        }
        Err(AddError::Db(e)) => Err(e.into()),
    }
}

/// Whether the command may create teams.
fn new_teams(create: bool) -> NewTeams {
    if create {
        NewTeams::Create
    } else {
        NewTeams::Guarded
    }
}

/// How to create a missing team, when a row names one.
fn create_hint(rows: &[RowError], flag: &str) -> String {
    if rows
        .iter()
        .any(|r| r.error.field == "team" && r.error.message.starts_with("there is no team"))
    {
        format!(" (if you meant a new team, add {flag})")
    } else {
        String::new()
    }
}

pub fn import(settings: &Settings, file: &Path, create_team: bool) -> anyhow::Result<()> {
    let reader =
        std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let rows = staff_csv::parse(reader).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let mut problems: Vec<String> = Vec::new();
    let mut members = Vec::new();
    let mut lines = Vec::new();
    let mut hint = String::new();
    for row in rows {
        match row.parsed {
            Ok(input) => {
                members.push(NewMember {
                    input,
                    password_hash: None,
                });
                lines.push(row.line);
            }
            Err(errors) => {
                for e in errors {
                    problems.push(format!("line {}: {}: {}", row.line, e.field, e.message));
                }
            }
        }
    }
    if problems.is_empty() {
        let mut conn = super::open_db(settings)?;
        let result = write_tx(&mut conn, |c| {
            let actor = Actor::System("cli import");
            staff::add_all_with(c, &members, &actor, new_teams(create_team))
        });
        match result {
            Ok(added) => {
                report(&added);
                println!("imported {} staff from {}", added.len(), file.display());
                return Ok(());
            }
            Err(AddError::Rows(rows)) => {
                hint = create_hint(&rows, "--create-team");
                for r in rows {
                    problems.push(format!(
                        "line {}: {}: {}",
                        lines[r.index], r.error.field, r.error.message
                    ));
                }
            }
            Err(AddError::Db(e)) => return Err(e.into()),
        }
    }
    for problem in &problems {
        eprintln!("{}: {problem}", file.display());
    }
    bail!(
        "{}: {} ({} problem(s) in all); nothing was imported{hint}",
        file.display(),
        problems[0],
        problems.len()
    )
}

fn report(added: &[Added]) {
    for person in added {
        let notes = if person.notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", person.notes.join("; "))
        };
        println!(
            "added {} <{}> as {}, handle {}{notes}",
            person.name, person.email, person.role, person.handle
        );
    }
}
