DROP INDEX stories_queue;
CREATE INDEX stories_queue ON stories (status, created_at);
DROP INDEX stories_updated;
