//! `heard serve` (the default): migrate, print where to go, and serve until SIGINT/SIGTERM.

use std::net::TcpListener;
use std::sync::Arc;

use anyhow::Context;

use crate::app::{AppState, ServerOptions, setup_link};
use crate::config::{Metrics, Settings};
use crate::db;
use crate::mail::Mailer;
use crate::mail::worker::MailWorker;

pub fn run(settings: Settings) -> anyhow::Result<()> {
    settings.ensure_data_dir()?;
    let secret_key = settings.resolve_secret_key()?;
    let pool = db::open(&settings.database)?;
    let listener = TcpListener::bind(&settings.bind).with_context(|| {
        format!(
            "cannot listen on {} (is another server using it? set HEARD_BIND)",
            settings.bind
        )
    })?;
    let metrics_listener = match &settings.metrics {
        Metrics::Separate(addr) => Some(TcpListener::bind(addr).with_context(|| {
            format!("cannot listen on {addr} for /metrics (is another server using it? set HEARD_METRICS)")
        })?),
        Metrics::Off | Metrics::Public => None,
    };
    let setup_link = {
        let mut conn = pool.get().context("cannot reach the database")?;
        setup_link(&mut conn, &settings.base_url)?
    };
    let addr = listener.local_addr()?;
    tracing::info!(%addr, database = %settings.database, "Heard is listening");
    println!(
        "Heard is listening on http://{addr} (public URL {})",
        settings.base_url
    );
    if let Some(metrics) = &metrics_listener {
        let addr = metrics.local_addr()?;
        tracing::info!(%addr, "/metrics is served here only");
        println!("Metrics at http://{addr}/metrics");
    }
    if let Some(link) = setup_link {
        println!("No admin account yet. Create one, within 24 hours, at:\n  {link}");
    }
    let settings = Arc::new(settings);
    let state = AppState::new(pool.clone(), settings.clone(), secret_key);
    actix_web::rt::System::new().block_on(async move {
        // The SMTP pool is built inside the runtime it will run on.
        let mailer = Mailer::from_settings(&settings)?;
        tracing::info!(mail = %mailer.describe(), "mail delivery");
        let worker = MailWorker::for_app(&state, mailer)?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let worker = actix_web::rt::spawn(worker.run(stopped));
        let state = actix_web::web::Data::new(state);
        let metrics = match metrics_listener {
            Some(listener) => {
                let server = crate::app::serve_metrics(state.clone(), listener)?;
                let handle = server.handle();
                actix_web::rt::spawn(server);
                Some(handle)
            }
            None => None,
        };
        let server = crate::app::serve_app(state, listener, ServerOptions::default())?;
        // Returns once a signal stopped the server and in-flight requests finished.
        server.await?;
        if let Some(metrics) = metrics {
            metrics.stop(true).await;
        }
        let _ = stop.send(true);
        worker.await.context("the mail worker panicked")?;
        anyhow::Ok(())
    })?;
    tracing::info!("Heard stopped");
    Ok(())
}
