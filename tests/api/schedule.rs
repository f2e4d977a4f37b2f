//! What the worker does on a clock: the daily moderation digest and the weekly recognition
//! digest, each sent once per manager however often (and on however many instances) the
//! schedule runs; and the complaint retention policy.

use chrono::{Datelike, Duration as Span, NaiveDateTime, NaiveTime, Weekday};
use diesel::prelude::*;
use heard::db::schema::{notes, outbox};

use crate::backend_tests;
use crate::helpers::builders::{seed_org, set_setting};
use crate::helpers::cases::step;
use crate::helpers::mail::queued;
use crate::helpers::notes::Note;
use crate::helpers::staff::{set_passwords, signed_in};
use crate::helpers::{Backend, page_as, spawn_app};

/// The next Monday at `hour`:00 UTC after now.
pub fn next_monday(hour: u32) -> NaiveDateTime {
    let now = heard::store::now();
    let mut day = now.date();
    loop {
        let at = day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap());
        if day.weekday() == Weekday::Mon && at > now {
            return at;
        }
        day = day.succ_opt().unwrap();
    }
}

/// A thank-you that may be published, from Pat Doe, who leaves no email address.
fn publishable(rep: &str, words: &str) -> Note {
    Note::thanks(rep, words).without_email().publishable()
}

async fn managers_get_each_digest_once(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    publishable("maria", "Maria found the cat on the power button.")
        .send(&app)
        .await;
    publishable("maria", "Maria stayed on a 28-minute call until it worked.")
        .send(&app)
        .await;
    publishable("james", "James fixed my bill.")
        .send(&app)
        .await;
    Note::complaint("maria", "Slow answer.").send(&app).await;
    let monday = next_monday(9);

    // Before the digest hour: nothing.
    let early = monday - Span::hours(2);
    let report = app.worker.run_schedule_at(early).await.unwrap();
    assert_eq!((report.moderation_digests, report.weekly_digests), (0, 0));

    let report = app.worker.run_schedule_at(monday).await.unwrap();
    assert_eq!((report.moderation_digests, report.weekly_digests), (1, 1));
    let daily = queued(&app, "moderation_digest");
    assert_eq!(
        daily.len(),
        1,
        "Billing has no manager; only Grace gets one"
    );
    let (to, subject, body) = (&daily[0].to, &daily[0].subject, &daily[0].text);
    assert_eq!(to, "grace@example.com");
    assert!(
        subject.starts_with("2 thank-you notes waiting"),
        "{subject}"
    );
    assert!(body.contains("cat on the power button") && !body.contains("James fixed"));
    let weekly = queued(&app, "weekly_digest");
    assert_eq!(weekly.len(), 1);
    let (subject, body) = (&weekly[0].subject, &weekly[0].text);
    assert!(subject.contains("2 thank-yous"), "{subject}");
    assert!(body.contains("Maria Lopez: 2"), "{body}");
    assert!(body.contains("1 complaint arrived"), "{body}");

    // Again, later the same day, and from a second instance: nothing new.
    let again = app
        .worker
        .run_schedule_at(monday + Span::hours(3))
        .await
        .unwrap();
    assert_eq!((again.moderation_digests, again.weekly_digests), (0, 0));
    let other = app.second_worker();
    let report = other
        .run_schedule_at(monday + Span::hours(1))
        .await
        .unwrap();
    assert_eq!((report.moderation_digests, report.weekly_digests), (0, 0));
    assert_eq!(queued(&app, "moderation_digest").len(), 1);
    assert_eq!(queued(&app, "weekly_digest").len(), 1);

    // The next day brings a new daily digest (the notes still wait), but no weekly one.
    let report = app
        .worker
        .run_schedule_at(monday + Span::days(1))
        .await
        .unwrap();
    assert_eq!((report.moderation_digests, report.weekly_digests), (1, 0));
}

async fn retention_clears_resolved_complaints_after_the_set_days(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let note = Note::complaint("maria", "My address is 1 Elm St.")
        .send(&app)
        .await
        .id;
    let open = Note::complaint("maria", "Still open.")
        .email("lee@example.com")
        .send(&app)
        .await
        .id;
    let grace = signed_in(&app, "grace@example.com").await;
    assert_eq!(
        step(
            &app,
            &grace,
            &note,
            &[("step", "resolve"), ("message", "Refunded.")]
        )
        .await
        .status(),
        303
    );
    app.worker.drain().await.unwrap();
    // Default: keep.
    let far = heard::store::now() + Span::days(400);
    let tomorrow_9 = (far.date() + Span::days(1)).and_hms_opt(9, 0, 0).unwrap();
    assert_eq!(
        app.worker
            .run_schedule_at(tomorrow_9)
            .await
            .unwrap()
            .expired,
        0
    );

    set_setting(&app, "complaint_retention_days", 30);
    let mut c = app.conn();
    let report = app
        .worker
        .run_schedule_at(tomorrow_9 + Span::days(1))
        .await
        .unwrap();
    assert_eq!(report.expired, 1);
    let (body, email): (Option<String>, Option<String>) = notes::table
        .find(&note)
        .select((notes::body, notes::customer_email))
        .first(&mut c)
        .unwrap();
    assert_eq!((body, email), (None, None));
    let kept: Option<String> = notes::table
        .find(&open)
        .select(notes::body)
        .first(&mut c)
        .unwrap();
    assert_eq!(kept.as_deref(), Some("Still open."));
    let leaks: i64 = outbox::table
        .filter(
            outbox::body_text
                .like("%Elm St%")
                .or(outbox::recipient.eq("pat@example.com")),
        )
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(
        leaks, 0,
        "the emails about it lose the text and the address too"
    );
    let (status, _) = page_as(&grace, &app, &format!("/staff/notes/{note}")).await;
    assert_eq!(status, 200);
}

backend_tests!(
    managers_get_each_digest_once,
    retention_clears_resolved_complaints_after_the_set_days,
);
