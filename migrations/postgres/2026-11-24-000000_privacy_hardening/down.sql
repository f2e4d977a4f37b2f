DROP TABLE reset_requests;
DROP INDEX used_form_tokens_expiry;
DROP TABLE used_form_tokens;
DROP TABLE rate_counters;
DROP TABLE login_throttles;
DROP INDEX outbox_recipient_template;
ALTER TABLE feedback DROP COLUMN receipt_resent_at;
ALTER TABLE feedback DROP COLUMN receipt_generation;
