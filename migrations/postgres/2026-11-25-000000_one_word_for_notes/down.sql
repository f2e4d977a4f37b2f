UPDATE audit_log SET action = 'feedback.' || substr(action, 6)
    WHERE action IN ('note.erase', 'note.rotate_receipt', 'note.withdraw_consent');
ALTER TABLE note_events RENAME COLUMN note_id TO feedback_id;
ALTER TABLE outbox_notes RENAME COLUMN note_id TO feedback_id;
ALTER TABLE outbox RENAME COLUMN note_id TO feedback_id;
ALTER TABLE cases RENAME COLUMN note_id TO feedback_id;
ALTER TABLE stories RENAME COLUMN note_id TO feedback_id;
ALTER TABLE note_reads RENAME COLUMN note_id TO feedback_id;
ALTER TABLE note_reads RENAME TO feedback_reads;
ALTER TABLE notes RENAME TO feedback;
