-- Whether a patient context was ever opened in the session (issue 13, goal 2; docs/decisions/0023). Validation lists the
-- session's open contexts; it reads patient_contexts only for a session marked here, so the many sessions that never
-- open one validate with one statement. Set when a context is first opened, under the session row's lock; never
-- cleared (a session that held contexts keeps paying the one read, which stays the authority).
ALTER TABLE sessions ADD COLUMN has_patients BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE sessions SET has_patients = TRUE WHERE id IN (SELECT session_id FROM patient_contexts);
