//! The app's mailer, built from its settings, delivers to a real SMTP server over TCP.

use std::time::Duration;

use heard::mail::Mailer;

use crate::backend_tests;
use crate::helpers::{Backend, spawn_app};

async fn the_configured_mailer_delivers_over_smtp(backend: Backend) {
    let app = spawn_app(backend).await;
    let mailer = Mailer::from_settings(&app.settings).unwrap();
    assert!(matches!(mailer, Mailer::Smtp { .. }));
    let message = heard::mail::test_message(
        &app.settings.mail_from,
        "Zoë Ørsted <zoe@example.com>",
        &app.settings.base_url,
    )
    .unwrap();
    mailer.send(message, "t").await.unwrap();
    // The SMTP server runs on its own thread, so waiting here blocks nothing it needs.
    let mails = app.smtp.wait_for(1, Duration::from_secs(10));
    assert_eq!(mails[0].to, ["zoe@example.com"]);
    assert!(
        mails[0].data.contains("To: =?utf-8?"),
        "non-ASCII names are encoded: {}",
        mails[0].data
    );
}

backend_tests!(the_configured_mailer_delivers_over_smtp);
