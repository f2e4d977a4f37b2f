CREATE INDEX stories_updated ON stories (updated_at);
DROP TRIGGER wall_teams ON teams;
DROP TRIGGER wall_staff ON staff;
DROP TRIGGER wall_stories_published_delete ON stories;
DROP TRIGGER wall_stories_published_update ON stories;
DROP TRIGGER wall_stories_published_insert ON stories;
DROP FUNCTION wall_changed();
DROP TABLE wall_version;
