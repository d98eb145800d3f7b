-- Every token a session had before its current one (issue 10, item 18b): presented again, it answers
-- session_expired (or session_revoked) instead of session_invalid. They go with their session.
CREATE TABLE session_superseded_tokens (
    token_hash  VARCHAR(64) PRIMARY KEY,
    session_id  VARCHAR(40) NOT NULL REFERENCES sessions (id) ON DELETE CASCADE
);
CREATE INDEX session_superseded_tokens_by_session ON session_superseded_tokens (session_id);
-- Every replaced token is kept here, the previous one included: the rotation that replaces it next keeps it.
INSERT INTO session_superseded_tokens (token_hash, session_id)
    SELECT prev_token_hash, id FROM sessions WHERE prev_token_hash IS NOT NULL;

-- A password change, a disabled or locked account and an MFA reset end the user's open challenges (item 7).
CREATE INDEX mfa_challenges_by_user ON mfa_challenges (tenant_id, user_id);
