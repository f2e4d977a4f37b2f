//! `heard check`: is the configuration sound, does the database answer, can mail be sent?

use anyhow::{Context, bail};

use crate::config::Settings;
use crate::db::{self, DatabaseUrl};
use crate::mail::{self, Mailer};

pub fn run(settings: &Settings, send_test_email: Option<&str>) -> anyhow::Result<()> {
    println!(
        "config     ok: bind {}, public URL {}, data dir {}",
        settings.bind,
        settings.base_url,
        settings.data_dir.display()
    );

    match &settings.database {
        DatabaseUrl::Sqlite(path) if !path.exists() => println!(
            "database   ok: {} does not exist yet; `heard serve` or `heard migrate` creates it",
            settings.database
        ),
        _ => {
            let mut conn = db::connect(&settings.database)?;
            let pending = db::pending_migrations(&mut conn)?;
            println!(
                "database   ok: {} answers, {pending} migration(s) pending",
                settings.database
            );
        }
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        // The SMTP pool needs a running runtime to be built in.
        let mailer = Mailer::from_settings(settings)?;
        let described = mailer.diagnose().await?;
        println!("mail       ok: {described}");
        if let Some(to) = send_test_email {
            if crate::domain::Email::parse(to).is_err() {
                bail!("--send-test-email: {to:?} is not an email address");
            }
            let message = mail::test_message(&settings.mail_from, to, &settings.base_url)?;
            let name = format!("test-{}", uuid::Uuid::now_v7());
            mailer.send(message, &name).await?;
            println!("test email sent to {to} via {described}");
        }
        Ok(())
    })
}
