//! The v1 tables, in portable column types only, so one schema serves SQLite and PostgreSQL.

diesel::table! {
    teams (id) {
        id -> Text,
        name -> Text,
        slug -> Text,
        manager_id -> Nullable<Text>,
        parent_id -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    staff (id) {
        id -> Text,
        name -> Text,
        email -> Text,
        handle -> Text,
        role -> Text,
        team_id -> Nullable<Text>,
        manager_id -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        public_naming -> Bool,
        active -> Bool,
        session_epoch -> Integer,
        last_login_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        thanks_received -> Integer,
        photo -> Nullable<Text>,
    }
}

diesel::table! {
    pictures (id) {
        id -> Text,
        content_type -> Text,
        body -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notes (id) {
        id -> Text,
        reference -> Text,
        kind -> Text,
        rep_id -> Nullable<Text>,
        team_id -> Nullable<Text>,
        customer_name -> Nullable<Text>,
        customer_email -> Nullable<Text>,
        display -> Text,
        consent_publish -> Bool,
        allow_reply -> Bool,
        body -> Nullable<Text>,
        interaction_date -> Nullable<Date>,
        channel -> Nullable<Text>,
        status -> Text,
        receipt_token_hash -> Nullable<Text>,
        idempotency_key -> Nullable<Text>,
        erased_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        content_hash -> Nullable<Text>,
        receipt_generation -> Integer,
        receipt_resent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    stories (id) {
        id -> Text,
        note_id -> Text,
        rep_id -> Nullable<Text>,
        team_id -> Nullable<Text>,
        body -> Nullable<Text>,
        edited -> Bool,
        status -> Text,
        featured -> Bool,
        decline_reason -> Nullable<Text>,
        moderator_id -> Nullable<Text>,
        published_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    story_tags (story_id, tag) {
        story_id -> Text,
        tag -> Text,
    }
}

diesel::table! {
    cases (id) {
        id -> Text,
        note_id -> Text,
        status -> Text,
        assignee_id -> Nullable<Text>,
        due_at -> Timestamp,
        escalated_at -> Nullable<Timestamp>,
        acknowledged_at -> Nullable<Timestamp>,
        resolved_at -> Nullable<Timestamp>,
        resolution_note -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        dedupe_key -> Text,
        template -> Text,
        note_id -> Nullable<Text>,
        recipient_name -> Nullable<Text>,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        claim_token -> Nullable<Text>,
        scrubbed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    outbox_notes (outbox_id, note_id) {
        outbox_id -> Text,
        note_id -> Text,
    }
}

diesel::table! {
    tokens (id) {
        id -> Text,
        kind -> Text,
        token_hash -> Text,
        staff_id -> Nullable<Text>,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        actor_id -> Nullable<Text>,
        actor_label -> Text,
        action -> Text,
        subject -> Nullable<Text>,
        detail -> Nullable<Text>,
        ip -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::table! {
    note_reads (note_id, staff_id) {
        note_id -> Text,
        staff_id -> Text,
        read_at -> Timestamp,
    }
}

diesel::table! {
    note_events (id) {
        id -> Text,
        note_id -> Text,
        kind -> Text,
        actor_id -> Nullable<Text>,
        body -> Nullable<Text>,
        public -> Bool,
        at -> Timestamp,
    }
}

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    login_throttles (account, client) {
        account -> Text,
        client -> Text,
        failures -> Integer,
        last_failure_at -> Timestamp,
    }
}

diesel::table! {
    rate_counters (bucket) {
        bucket -> Text,
        window_start -> Timestamp,
        hits -> Integer,
    }
}

diesel::table! {
    used_form_tokens (nonce) {
        nonce -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    reset_requests (id) {
        id -> Text,
        email -> Text,
        requested_at -> Timestamp,
    }
}

diesel::joinable!(stories -> notes (note_id));
diesel::joinable!(story_tags -> stories (story_id));
diesel::joinable!(cases -> notes (note_id));
diesel::joinable!(note_events -> notes (note_id));
diesel::joinable!(notes -> teams (team_id));
diesel::joinable!(tokens -> staff (staff_id));
diesel::joinable!(staff -> teams (team_id));
diesel::joinable!(outbox_notes -> outbox (outbox_id));
diesel::joinable!(outbox_notes -> notes (note_id));

diesel::table! {
    /// One row, kept by triggers: see the `wall_version` migration.
    wall_version (id) {
        id -> Integer,
        counter -> BigInt,
        changed_at -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    teams,
    staff,
    notes,
    note_reads,
    stories,
    story_tags,
    cases,
    outbox,
    outbox_notes,
    tokens,
    audit_log,
    note_events,
    settings,
    pictures,
);
