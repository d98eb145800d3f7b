-- Tokens a session has had before its current and previous one (issue 10, item 18b): presented again, they
-- answer session_expired (or session_revoked) instead of session_invalid. They go with their session.
CREATE TABLE session_superseded_tokens (
    token_hash  VARCHAR(64) PRIMARY KEY,
    session_id  VARCHAR(40) NOT NULL REFERENCES sessions (id) ON DELETE CASCADE
);
CREATE INDEX session_superseded_tokens_by_session ON session_superseded_tokens (session_id);

-- A password change, a disabled or locked account and an MFA reset end the user's open challenges (item 7).
CREATE INDEX mfa_challenges_by_user ON mfa_challenges (tenant_id, user_id);
