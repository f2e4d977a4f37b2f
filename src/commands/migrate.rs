//! `heard migrate`: apply pending migrations and exit.

use crate::config::Settings;

pub fn run(settings: &Settings) -> anyhow::Result<()> {
    let mut conn = crate::db::connect(&settings.database)?;
    let applied = crate::db::migrate(&mut conn)?;
    if applied.is_empty() {
        println!("{}: up to date", settings.database);
    } else {
        for version in &applied {
            println!("applied {version}");
        }
        println!(
            "{}: {} migration(s) applied",
            settings.database,
            applied.len()
        );
    }
    Ok(())
}
