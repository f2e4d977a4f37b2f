-- Which staff member has read which note: each person's unread marks are their own.
CREATE TABLE feedback_reads (
    feedback_id TEXT NOT NULL REFERENCES feedback (id),
    staff_id TEXT NOT NULL REFERENCES staff (id),
    read_at TIMESTAMP NOT NULL,
    PRIMARY KEY (feedback_id, staff_id)
);
CREATE INDEX feedback_reads_staff ON feedback_reads (staff_id, feedback_id);
