-- Teams and staff refer to each other (a team has a manager, staff belong to a team).
CREATE TABLE teams (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    manager_id TEXT,
    parent_id TEXT REFERENCES teams (id),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX teams_name_lower ON teams (lower(name));

CREATE TABLE staff (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    handle TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('rep', 'manager', 'admin')),
    team_id TEXT REFERENCES teams (id),
    manager_id TEXT REFERENCES staff (id),
    password_hash TEXT,
    public_naming BOOLEAN NOT NULL DEFAULT TRUE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    session_epoch INTEGER NOT NULL DEFAULT 0,
    last_login_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX staff_team ON staff (team_id);
CREATE INDEX staff_manager ON staff (manager_id);
CREATE INDEX staff_name_lower ON staff (lower(name));

-- One row per note. Erasure blanks the personal columns and keeps the row as a tombstone.
CREATE TABLE feedback (
    id TEXT PRIMARY KEY NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('thanks', 'complaint')),
    rep_id TEXT REFERENCES staff (id),
    team_id TEXT REFERENCES teams (id),
    customer_name TEXT,
    customer_email TEXT,
    display TEXT NOT NULL CHECK (display IN ('full', 'first', 'anonymous')),
    consent_publish BOOLEAN NOT NULL DEFAULT FALSE,
    allow_reply BOOLEAN NOT NULL DEFAULT FALSE,
    body TEXT,
    interaction_date DATE,
    channel TEXT CHECK (channel IN ('phone', 'chat', 'email', 'in_person', 'other')),
    status TEXT NOT NULL CHECK (status IN ('received', 'awaiting_moderation', 'published', 'declined', 'unpublished', 'withdrawn', 'erased')),
    receipt_token_hash TEXT UNIQUE,
    idempotency_key TEXT UNIQUE,
    erased_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX feedback_rep ON feedback (rep_id, created_at);
CREATE INDEX feedback_team ON feedback (team_id, created_at);
CREATE INDEX feedback_status ON feedback (status, created_at);
CREATE INDEX feedback_customer_email ON feedback (customer_email);

-- The curated, possibly redacted public version of a thank-you note.
-- rep_id and team_id are copied from the note so that wall filters are one index range.
CREATE TABLE stories (
    id TEXT PRIMARY KEY NOT NULL,
    feedback_id TEXT NOT NULL UNIQUE REFERENCES feedback (id),
    rep_id TEXT REFERENCES staff (id),
    team_id TEXT REFERENCES teams (id),
    body TEXT,
    edited BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'published', 'declined', 'unpublished', 'withdrawn')),
    featured BOOLEAN NOT NULL DEFAULT FALSE,
    decline_reason TEXT,
    moderator_id TEXT REFERENCES staff (id),
    published_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX stories_wall ON stories (published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX stories_rep_wall ON stories (rep_id, published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX stories_team_wall ON stories (team_id, published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX stories_queue ON stories (status, created_at);

CREATE TABLE story_tags (
    story_id TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (story_id, tag)
);
CREATE INDEX story_tags_tag ON story_tags (tag, story_id);

-- Complaint handling.
CREATE TABLE cases (
    id TEXT PRIMARY KEY NOT NULL,
    feedback_id TEXT NOT NULL UNIQUE REFERENCES feedback (id),
    status TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
    assignee_id TEXT REFERENCES staff (id),
    due_at TIMESTAMP NOT NULL,
    escalated_at TIMESTAMP,
    acknowledged_at TIMESTAMP,
    resolved_at TIMESTAMP,
    resolution_note TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX cases_status_due ON cases (status, due_at);
CREATE INDEX cases_assignee ON cases (assignee_id);

-- One row per email, written in the same transaction as what caused it.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    template TEXT NOT NULL,
    feedback_id TEXT REFERENCES feedback (id),
    recipient_name TEXT,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    last_error TEXT,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_feedback ON outbox (feedback_id);

-- Setup links, invitations and password resets; only hashes are stored.
CREATE TABLE tokens (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('setup', 'invitation', 'password_reset')),
    token_hash TEXT NOT NULL UNIQUE,
    staff_id TEXT REFERENCES staff (id),
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX tokens_staff ON tokens (staff_id, kind);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,
    actor_id TEXT REFERENCES staff (id),
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT,
    detail TEXT,
    ip TEXT,
    at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);

-- Organisation-wide settings an admin can change at run time.
CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

ALTER TABLE teams ADD CONSTRAINT teams_manager_id_fkey FOREIGN KEY (manager_id) REFERENCES staff (id);
