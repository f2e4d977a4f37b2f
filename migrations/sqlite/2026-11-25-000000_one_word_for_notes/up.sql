-- One word for the customer's message: a note. The tables and columns that said "feedback"
-- say "note" (the public URLs /feedback and /api/v1/feedback keep their names).
ALTER TABLE feedback RENAME TO notes;
ALTER TABLE feedback_reads RENAME TO note_reads;
ALTER TABLE note_reads RENAME COLUMN feedback_id TO note_id;
ALTER TABLE stories RENAME COLUMN feedback_id TO note_id;
ALTER TABLE cases RENAME COLUMN feedback_id TO note_id;
ALTER TABLE outbox RENAME COLUMN feedback_id TO note_id;
ALTER TABLE outbox_notes RENAME COLUMN feedback_id TO note_id;
ALTER TABLE note_events RENAME COLUMN feedback_id TO note_id;
UPDATE audit_log SET action = 'note.' || substr(action, 10)
    WHERE action IN ('feedback.erase', 'feedback.rotate_receipt', 'feedback.withdraw_consent');
