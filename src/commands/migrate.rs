//! `heard migrate`: apply pending migrations and exit (`--dry-run`: list them).

use crate::config::Settings;

pub fn run(settings: &Settings, dry_run: bool) -> anyhow::Result<()> {
    let mut conn = crate::db::connect(&settings.database)?;
    if dry_run {
        let pending = crate::db::pending_migration_names(&mut conn)?;
        for name in &pending {
            println!("pending {name}");
        }
        println!(
            "{}: {} migration(s) pending; none applied",
            settings.database,
            pending.len()
        );
        return Ok(());
    }
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
