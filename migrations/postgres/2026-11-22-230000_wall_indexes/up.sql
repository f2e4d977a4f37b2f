-- The wall's validators (ETag, Last-Modified) come from the latest change to any story.
CREATE INDEX stories_updated ON stories (updated_at);
-- The moderation queue needs only pending stories. A full (status, created_at) index also
-- matched the wall's `status = 'published'` and lured planners away from the wall's own
-- index (stories_wall), turning a 21-row read into a sort of every published story.
DROP INDEX stories_queue;
CREATE INDEX stories_queue ON stories (created_at) WHERE status = 'pending';
