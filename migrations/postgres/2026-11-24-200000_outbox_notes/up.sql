-- Which notes an email quotes beyond its own `feedback_id` (the daily and weekly digests),
-- so that erasure and retention can find and scrub every copy of a customer's words.
CREATE TABLE outbox_notes (
    outbox_id TEXT NOT NULL REFERENCES outbox (id),
    feedback_id TEXT NOT NULL REFERENCES feedback (id),
    PRIMARY KEY (outbox_id, feedback_id)
);
CREATE INDEX outbox_notes_feedback ON outbox_notes (feedback_id);
-- When an email lost its words to erasure or retention; such an email is never sent again.
ALTER TABLE outbox ADD COLUMN scrubbed_at TIMESTAMP;
