//! The audit log, for admins: who changed what, when, and from where.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::page;
use crate::app::AppState;
use crate::db;
use crate::error::AppError;
use crate::store::audit;
use crate::web::extract::Admin;

pub async fn list(state: web::Data<AppState>, viewer: Admin) -> Result<HttpResponse, AppError> {
    let entries = db::run(&state.pool, |c| Ok(audit::recent(c, 200)?)).await?;
    let rows: Vec<_> = entries
        .iter()
        .map(|e| {
            json!({
                "at": e.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                "actor": e.actor_label,
                "action": e.action,
                "subject": e.subject,
                "detail": e.detail,
                "ip": e.ip,
            })
        })
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert("entries", &rows);
    page("staff/audit.html", ctx, &viewer, None, "audit")
}
