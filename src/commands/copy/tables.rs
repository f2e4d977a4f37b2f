//! Every table `heard copy` moves, as plain rows (no domain types: a row is copied as it is),
//! each read in batches in key order and written in multi-row inserts.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema;

/// A table as `heard copy` sees it.
pub trait Table: Sized + Clone {
    const NAME: &'static str;
    /// Rows per read and per insert (kept under both backends' limit on bound values).
    const BATCH: i64 = 1000;
    fn count(conn: &mut DbConn) -> QueryResult<i64>;
    /// The next `limit` rows after `last`, in key order.
    fn next(conn: &mut DbConn, last: Option<&Self>, limit: i64) -> QueryResult<Vec<Self>>;
    fn insert(conn: &mut DbConn, rows: &[Self]) -> QueryResult<usize>;
    /// Clears the row's links to rows that may not be in the target yet; true if it had any.
    fn unlink(&mut self) -> bool {
        false
    }
    /// Sets again the links [`Table::unlink`] cleared, once every row is in.
    fn relink(_conn: &mut DbConn, _rows: &[Self]) -> QueryResult<()> {
        Ok(())
    }
}

/// A row struct per table, with `Table` for it, keyed by the listed primary-key columns.
macro_rules! tables {
    ($($Row:ident => $table:ident [$($key:ident),+] $(batch $batch:literal)? {
        $($field:ident: $ty:ty),* $(,)?
    })*) => {$(
        #[derive(Clone, Queryable, Selectable, Insertable)]
        #[diesel(table_name = schema::$table, treat_none_as_null = true)]
        pub struct $Row {
            $(pub $field: $ty),*
        }

        impl Table for $Row {
            const NAME: &'static str = stringify!($table);
            $(const BATCH: i64 = $batch;)?

            fn count(conn: &mut DbConn) -> QueryResult<i64> {
                schema::$table::table.count().get_result(conn)
            }

            fn next(conn: &mut DbConn, last: Option<&Self>, limit: i64) -> QueryResult<Vec<Self>> {
                use schema::$table::dsl::*;
                let mut query = schema::$table::table
                    .select(Self::as_select())
                    .order(($($key,)+))
                    .limit(limit)
                    .into_boxed();
                if let Some(last) = last {
                    query = query.filter(after!(last, $($key),+));
                }
                query.load(conn)
            }

            fn insert(conn: &mut DbConn, rows: &[Self]) -> QueryResult<usize> {
                crate::per_backend!(conn, c => diesel::insert_into(schema::$table::table)
                    .values(rows)
                    .execute(c))
            }

            tables!(@links $table $Row);
        }
    )*};
    (@links teams $Row:ident) => {
        fn unlink(&mut self) -> bool {
            let linked = self.manager_id.is_some() || self.parent_id.is_some();
            self.manager_id = None;
            self.parent_id = None;
            linked
        }

        fn relink(conn: &mut DbConn, rows: &[Self]) -> QueryResult<()> {
            use schema::teams::dsl::*;
            for row in rows {
                diesel::update(teams.find(&row.id))
                    .set((manager_id.eq(&row.manager_id), parent_id.eq(&row.parent_id)))
                    .execute(conn)?;
            }
            Ok(())
        }
    };
    (@links staff $Row:ident) => {
        fn unlink(&mut self) -> bool {
            self.manager_id.take().is_some()
        }

        fn relink(conn: &mut DbConn, rows: &[Self]) -> QueryResult<()> {
            use schema::staff::dsl::*;
            for row in rows {
                diesel::update(staff.find(&row.id))
                    .set(manager_id.eq(&row.manager_id))
                    .execute(conn)?;
            }
            Ok(())
        }
    };
    (@links $table:ident $Row:ident) => {};
}

/// Rows after `last` in key order (for a key of one or two columns).
macro_rules! after {
    ($last:ident, $key:ident) => {
        $key.gt($last.$key.clone())
    };
    ($last:ident, $first:ident, $second:ident) => {
        $first.gt($last.$first.clone()).or($first
            .eq($last.$first.clone())
            .and($second.gt($last.$second.clone())))
    };
}
tables! {
    Picture => pictures [id] batch 20 {
        id: String,
        content_type: String,
        body: Vec<u8>,
        created_at: NaiveDateTime,
    }
    Team => teams [id] {
        id: String,
        name: String,
        slug: String,
        manager_id: Option<String>,
        parent_id: Option<String>,
        active: bool,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
    }
    Staff => staff [id] {
        id: String,
        name: String,
        email: String,
        handle: String,
        role: String,
        team_id: Option<String>,
        manager_id: Option<String>,
        password_hash: Option<String>,
        public_naming: bool,
        active: bool,
        session_epoch: i32,
        last_login_at: Option<NaiveDateTime>,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
        thanks_received: i32,
        photo: Option<String>,
    }
    Note => notes [id] {
        id: String,
        reference: String,
        kind: String,
        rep_id: Option<String>,
        team_id: Option<String>,
        customer_name: Option<String>,
        customer_email: Option<String>,
        display: String,
        consent_publish: bool,
        allow_reply: bool,
        body: Option<String>,
        interaction_date: Option<NaiveDate>,
        channel: Option<String>,
        status: String,
        receipt_token_hash: Option<String>,
        idempotency_key: Option<String>,
        erased_at: Option<NaiveDateTime>,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
        content_hash: Option<String>,
        receipt_generation: i32,
        receipt_resent_at: Option<NaiveDateTime>,
    }
    Story => stories [id] {
        id: String,
        note_id: String,
        rep_id: Option<String>,
        team_id: Option<String>,
        body: Option<String>,
        edited: bool,
        status: String,
        featured: bool,
        decline_reason: Option<String>,
        moderator_id: Option<String>,
        published_at: Option<NaiveDateTime>,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
    }
    StoryTag => story_tags [story_id, tag] {
        story_id: String,
        tag: String,
    }
    Case => cases [id] {
        id: String,
        note_id: String,
        status: String,
        assignee_id: Option<String>,
        due_at: NaiveDateTime,
        escalated_at: Option<NaiveDateTime>,
        acknowledged_at: Option<NaiveDateTime>,
        resolved_at: Option<NaiveDateTime>,
        resolution_note: Option<String>,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
    }
    Outbox => outbox [id] {
        id: String,
        dedupe_key: String,
        template: String,
        note_id: Option<String>,
        recipient_name: Option<String>,
        recipient: String,
        subject: String,
        body_text: String,
        body_html: Option<String>,
        status: String,
        attempts: i32,
        next_attempt_at: NaiveDateTime,
        locked_until: Option<NaiveDateTime>,
        last_error: Option<String>,
        sent_at: Option<NaiveDateTime>,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
        claim_token: Option<String>,
        scrubbed_at: Option<NaiveDateTime>,
    }
    OutboxNote => outbox_notes [outbox_id, note_id] {
        outbox_id: String,
        note_id: String,
    }
    Token => tokens [id] {
        id: String,
        kind: String,
        token_hash: String,
        staff_id: Option<String>,
        expires_at: NaiveDateTime,
        used_at: Option<NaiveDateTime>,
        created_at: NaiveDateTime,
    }
    Audit => audit_log [id] {
        id: String,
        actor_id: Option<String>,
        actor_label: String,
        action: String,
        subject: Option<String>,
        detail: Option<String>,
        ip: Option<String>,
        at: NaiveDateTime,
    }
    NoteRead => note_reads [note_id, staff_id] {
        note_id: String,
        staff_id: String,
        read_at: NaiveDateTime,
    }
    NoteEvent => note_events [id] {
        id: String,
        note_id: String,
        kind: String,
        actor_id: Option<String>,
        body: Option<String>,
        public: bool,
        at: NaiveDateTime,
    }
    Setting => settings [key] {
        key: String,
        value: String,
        updated_at: NaiveDateTime,
    }
    LoginThrottle => login_throttles [account, client] {
        account: String,
        client: String,
        failures: i32,
        last_failure_at: NaiveDateTime,
    }
    RateCounter => rate_counters [bucket] {
        bucket: String,
        window_start: NaiveDateTime,
        hits: i32,
    }
    UsedFormToken => used_form_tokens [nonce] {
        nonce: String,
        expires_at: NaiveDateTime,
    }
    ResetRequest => reset_requests [id] {
        id: String,
        email: String,
        requested_at: NaiveDateTime,
    }
    WallVersion => wall_version [id] {
        id: i32,
        counter: i64,
        changed_at: i64,
    }
}
