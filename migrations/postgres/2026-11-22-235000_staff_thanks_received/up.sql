-- A rep's page shows how many thank-yous they have received. Counting their notes on every
-- view grows with the notes; a counter kept with each new note does not. Erasure keeps the
-- note as a tombstone, so the count never goes down.
ALTER TABLE staff ADD COLUMN thanks_received INTEGER NOT NULL DEFAULT 0;
UPDATE staff SET thanks_received = (
    SELECT count(*) FROM feedback WHERE feedback.rep_id = staff.id AND feedback.kind = 'thanks'
);
