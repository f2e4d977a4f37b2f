DROP INDEX feedback_kind;
DROP INDEX cases_escalation;
DROP INDEX feedback_rep_kind;
DROP INDEX feedback_team_kind;
DROP TABLE note_events;
