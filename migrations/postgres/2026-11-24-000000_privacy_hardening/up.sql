-- Receipt links can be rotated: the link is derived from the note's id and this number,
-- so raising it retires the old link at once. A repeat of a note re-sends its receipt at
-- most once an hour.
ALTER TABLE feedback ADD COLUMN receipt_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feedback ADD COLUMN receipt_resent_at TIMESTAMP;

-- Receipts are capped per recipient address and hour.
CREATE INDEX outbox_recipient_template ON outbox (recipient, template, created_at);

-- Wrong passwords per (account, client address): growing delays instead of a lock.
CREATE TABLE login_throttles (
    account TEXT NOT NULL,
    client TEXT NOT NULL,
    failures INTEGER NOT NULL,
    last_failure_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account, client)
);

-- Fixed-window counters shared by every instance (used on PostgreSQL).
CREATE TABLE rate_counters (
    bucket TEXT PRIMARY KEY,
    window_start TIMESTAMP NOT NULL,
    hits INTEGER NOT NULL
);

-- Public form tokens are single-use: a used one is remembered until it would expire anyway.
CREATE TABLE used_form_tokens (
    nonce TEXT PRIMARY KEY,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX used_form_tokens_expiry ON used_form_tokens (expires_at);

-- "Forgot my password" is answered at once; the mail worker does the work.
CREATE TABLE reset_requests (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL
);
