-- The same note sent twice within minutes (a double tap, a retry) is stored once:
-- a hash of its content finds the first copy.
ALTER TABLE feedback ADD COLUMN content_hash TEXT;
CREATE INDEX feedback_content_hash ON feedback (content_hash, created_at);
