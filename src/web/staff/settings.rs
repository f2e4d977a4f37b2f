//! Organisation settings, for admins: how long managers have to acknowledge a complaint,
//! who handles complaints, whether stats may rank reps, and how long complaint text is kept.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{audited, page_with_status};
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, FieldError};
use crate::store::settings;
use crate::web::extract::{Admin, CsrfForm, Viewer};
use crate::web::forms;

async fn render(
    state: &AppState,
    viewer: &Viewer,
    values: Option<HashMap<String, String>>,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let values = match values {
        Some(v) => v,
        None => {
            db::run(&state.pool, |c| {
                let mut out = HashMap::new();
                for setting in settings::ALL {
                    out.insert(
                        setting.0.to_owned(),
                        settings::number(c, setting)?.to_string(),
                    );
                }
                Ok(out)
            })
            .await?
        }
    };
    let mut ctx = tera::Context::new();
    ctx.insert("values", &values);
    forms::insert_errors(&mut ctx, errors);
    page_with_status("staff/settings.html", ctx, viewer, "settings", status)
}

pub async fn show(state: web::Data<AppState>, viewer: Admin) -> Result<HttpResponse, AppError> {
    render(&state, &viewer, None, &[], StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    complaint_due_hours: String,
    #[serde(default)]
    complaint_to_rep_at_once: String,
    #[serde(default)]
    reps_handle_cases: String,
    #[serde(default)]
    leaderboard: String,
    #[serde(default)]
    wall_response_times: String,
    #[serde(default)]
    complaint_retention_days: String,
}

crate::csrf_field!(SettingsForm);

fn whole(
    field: &str,
    text: &str,
    range: std::ops::RangeInclusive<i64>,
    errors: &mut Vec<FieldError>,
) -> i64 {
    match text.trim().parse::<i64>() {
        Ok(n) if range.contains(&n) => n,
        _ => {
            errors.push(FieldError::new(
                field,
                format!(
                    "Enter a whole number from {} to {}.",
                    range.start(),
                    range.end()
                ),
            ));
            0
        }
    }
}

/// The values to store, or the errors with the values to show again.
type Parsed = Result<Vec<(&'static str, i64)>, (Vec<FieldError>, HashMap<String, String>)>;

fn parse(form: &SettingsForm) -> Parsed {
    let mut errors = Vec::new();
    let due = whole(
        "complaint_due_hours",
        &form.complaint_due_hours,
        1..=720,
        &mut errors,
    );
    let keep = whole(
        "complaint_retention_days",
        &form.complaint_retention_days,
        0..=3650,
        &mut errors,
    );
    let flag = |v: &str| i64::from(v == "on");
    let values = vec![
        (settings::COMPLAINT_DUE_HOURS.0, due),
        (
            settings::COMPLAINT_TO_REP_AT_ONCE.0,
            flag(&form.complaint_to_rep_at_once),
        ),
        (settings::REPS_HANDLE_CASES.0, flag(&form.reps_handle_cases)),
        (settings::LEADERBOARD.0, flag(&form.leaderboard)),
        (
            settings::WALL_RESPONSE_TIMES.0,
            flag(&form.wall_response_times),
        ),
        (settings::COMPLAINT_RETENTION_DAYS.0, keep),
    ];
    if errors.is_empty() {
        return Ok(values);
    }
    let mut shown: HashMap<String, String> = values
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    shown.insert(
        "complaint_due_hours".into(),
        form.complaint_due_hours.clone(),
    );
    shown.insert(
        "complaint_retention_days".into(),
        form.complaint_retention_days.clone(),
    );
    Err((errors, shown))
}

/// The token and the role are both checked before this runs.
pub async fn update(
    state: web::Data<AppState>,
    form: CsrfForm<SettingsForm>,
    viewer: Admin,
) -> Result<HttpResponse, AppError> {
    let values = match parse(&form) {
        Ok(values) => values,
        Err((errors, shown)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render(&state, &viewer, Some(shown), &errors, status).await;
        }
    };
    let detail: Vec<String> = values.iter().map(|(k, v)| format!("{k}={v}")).collect();
    audited(
        &state,
        &viewer,
        "settings.update",
        detail.join(" "),
        move |c| {
            for (key, value) in values {
                settings::set(c, key, value)?;
            }
            Ok(())
        },
    )
    .await?;
    Ok(super::done::see_other(
        "/staff/settings",
        super::done::Done::Saved,
    ))
}
