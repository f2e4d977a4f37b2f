-- What happened to a note after it arrived: a case acknowledged, assigned, commented on
-- (internal), resolved or escalated; a reply from the rep to the customer. `public` events
-- are shown to the customer on their receipt page.
CREATE TABLE note_events (
    id TEXT PRIMARY KEY NOT NULL,
    feedback_id TEXT NOT NULL REFERENCES feedback (id),
    kind TEXT NOT NULL CHECK (kind IN ('acknowledged', 'assigned', 'comment', 'resolved', 'escalated', 'reply')),
    actor_id TEXT REFERENCES staff (id),
    body TEXT,
    public BOOLEAN NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX note_events_feedback ON note_events (feedback_id, at);
-- Stats and exports count a scope's notes by kind and time.
CREATE INDEX feedback_team_kind ON feedback (team_id, kind, created_at);
CREATE INDEX feedback_rep_kind ON feedback (rep_id, kind, created_at);
CREATE INDEX cases_escalation ON cases (due_at) WHERE status = 'open' AND escalated_at IS NULL;
-- Admins' stats count every note by kind and time.
CREATE INDEX feedback_kind ON feedback (kind, created_at);
