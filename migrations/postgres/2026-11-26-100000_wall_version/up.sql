-- The public wall's version: a counter that every change to what the wall shows bumps (a
-- published story appearing, changing or leaving, and any change to people or teams), and
-- the whole second of the latest change by the database's clock, strictly increasing: a
-- change committed a moment after its trigger ran still counts as later than any copy given
-- out meanwhile (bursts of changes run ahead of the clock, delaying Last-Modified, never
-- the ETag). Triggers keep it, so no writer
-- can forget, and a deleted row counts as a change (a maximum of updated_at could not see it).
CREATE TABLE wall_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    counter BIGINT NOT NULL,
    changed_at BIGINT NOT NULL
);
INSERT INTO wall_version (id, counter, changed_at)
VALUES (1, 1, floor(extract(epoch FROM now()))::bigint);
CREATE FUNCTION wall_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE wall_version SET counter = counter + 1,
        changed_at = GREATEST(floor(extract(epoch FROM clock_timestamp()))::bigint, changed_at + 1);
    RETURN NULL;
END
$$;
CREATE TRIGGER wall_stories_published_insert AFTER INSERT ON stories
    FOR EACH ROW WHEN (NEW.status = 'published') EXECUTE FUNCTION wall_changed();
CREATE TRIGGER wall_stories_published_update AFTER UPDATE ON stories
    FOR EACH ROW WHEN (OLD.status = 'published' OR NEW.status = 'published') EXECUTE FUNCTION wall_changed();
CREATE TRIGGER wall_stories_published_delete AFTER DELETE ON stories
    FOR EACH ROW WHEN (OLD.status = 'published') EXECUTE FUNCTION wall_changed();
CREATE TRIGGER wall_staff AFTER INSERT OR UPDATE OR DELETE ON staff
    FOR EACH ROW EXECUTE FUNCTION wall_changed();
CREATE TRIGGER wall_teams AFTER INSERT OR UPDATE OR DELETE ON teams
    FOR EACH ROW EXECUTE FUNCTION wall_changed();
-- The validators no longer read the latest updated_at of the stories.
DROP INDEX stories_updated;
