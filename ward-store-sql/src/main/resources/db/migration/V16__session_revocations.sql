-- Sessions ended in Redis, kept until they would have ended anyway (docs/decisions/0014): a Redis restored from an
-- older snapshot is told again which sessions are over before any node trusts it. Written with the revocation's
-- audit event, in its transaction; pruned past each session's absolute expiry.
CREATE TABLE session_revocations (
    session_id  VARCHAR(40)  PRIMARY KEY,
    tenant_id   VARCHAR(256) NOT NULL,
    user_id     VARCHAR(40)  NOT NULL,
    reason      VARCHAR(32)  NOT NULL,
    revoked_at  BIGINT       NOT NULL,
    expires_at  BIGINT       NOT NULL
);
CREATE INDEX session_revocations_by_expiry ON session_revocations (expires_at);
