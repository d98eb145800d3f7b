-- The end of a break of the glass (issue 12: FHIR DCM 110138 "Emergency Override Stopped"). ended_at is the mark that
-- makes the ending's audit event exactly once across nodes: it is set by a compare-and-set (WHERE ended_at IS NULL) in
-- the same transaction as the event, by whichever node sees the end first (the close, the clear, a call that finds
-- the context expired, or the cleanup sweep).
ALTER TABLE break_glass ADD COLUMN ended_at BIGINT;
ALTER TABLE break_glass ADD COLUMN ended_by VARCHAR(32);
CREATE INDEX break_glass_by_session ON break_glass (session_id, patient_id);
CREATE INDEX break_glass_by_end ON break_glass (ended_at, expires_at);

-- Restricting a patient closes the contexts on it held outside its care team: found by patient within the tenant.
CREATE INDEX patient_contexts_by_patient ON patient_contexts (patient_id);
