-- The wall's validators (ETag, Last-Modified) come from the latest change to any story.
CREATE INDEX stories_updated ON stories (updated_at);
