ALTER TABLE staff DROP COLUMN thanks_received;
