ALTER TABLE outbox DROP COLUMN scrubbed_at;
DROP INDEX outbox_notes_feedback;
DROP TABLE outbox_notes;
