DROP INDEX stories_updated;
