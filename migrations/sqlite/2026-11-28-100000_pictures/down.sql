ALTER TABLE staff DROP COLUMN photo;
DROP TABLE pictures;
