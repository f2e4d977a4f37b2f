DROP INDEX feedback_content_hash;
ALTER TABLE feedback DROP COLUMN content_hash;
