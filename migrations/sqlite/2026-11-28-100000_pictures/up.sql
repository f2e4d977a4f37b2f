-- Pictures people upload (staff photos, the organisation's logo), decoded and re-encoded by
-- Heard, kept in the database so every instance serves them. An id is the content's hash
-- and the picture's size, so a URL never changes meaning and can be cached for a year.
CREATE TABLE pictures (
    id TEXT PRIMARY KEY NOT NULL,
    content_type TEXT NOT NULL,
    body BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
-- A staff member's photo: the hash its pictures' ids start with.
ALTER TABLE staff ADD COLUMN photo TEXT;
