//! The audit log: who changed what, when, and from where.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::{AuditId, StaffId};
use crate::db::schema::audit_log;

/// Who did something: a signed-in staff member, or a named system actor ("cli", "customer").
#[derive(Debug, Clone)]
pub enum Actor {
    Staff { id: StaffId, name: String },
    System(&'static str),
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_log)]
struct NewEntry<'a> {
    id: AuditId,
    actor_id: Option<&'a StaffId>,
    actor_label: &'a str,
    action: &'a str,
    subject: Option<&'a str>,
    detail: Option<&'a str>,
    ip: Option<&'a str>,
    at: chrono::NaiveDateTime,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct Entry {
    pub id: AuditId,
    pub actor_id: Option<StaffId>,
    pub actor_label: String,
    pub action: String,
    pub subject: Option<String>,
    pub detail: Option<String>,
    pub ip: Option<String>,
    pub at: chrono::NaiveDateTime,
}

pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    subject: Option<&str>,
    detail: Option<&str>,
    ip: Option<&str>,
) -> QueryResult<()> {
    let (actor_id, actor_label) = match actor {
        Actor::Staff { id, name } => (Some(id), name.as_str()),
        Actor::System(label) => (None, *label),
    };
    diesel::insert_into(audit_log::table)
        .values(NewEntry {
            id: AuditId::new(),
            actor_id,
            actor_label,
            action,
            subject,
            detail,
            ip,
            at: super::now(),
        })
        .execute(conn)
        .map(drop)
}

/// The newest entries first.
pub fn recent(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Entry>> {
    audit_log::table
        .order(audit_log::id.desc())
        .limit(limit)
        .select(Entry::as_select())
        .load(conn)
}
