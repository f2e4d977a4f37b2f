-- Each claim of an outbox row gets its own token, so a worker whose lease ran out
-- cannot overwrite what the worker that claimed the row after it recorded.
ALTER TABLE outbox ADD COLUMN claim_token TEXT;
