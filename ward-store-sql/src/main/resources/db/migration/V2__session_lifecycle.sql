-- Session lifecycle (C3): rotation with a grace period, attributes, JWT signing keys.

-- The previous token stays valid until prev_valid_until after a rotation, so parallel requests that
-- still carry it do not fail. Only the current token can trigger a rotation.
ALTER TABLE sessions ADD COLUMN prev_token_hash VARCHAR(64);
ALTER TABLE sessions ADD COLUMN prev_valid_until BIGINT;
ALTER TABLE sessions ADD COLUMN rotated_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN uses_since_rotation BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN rotate_pending BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE sessions SET rotated_at = created_at;
CREATE UNIQUE INDEX sessions_prev_token ON sessions (prev_token_hash);
CREATE INDEX sessions_by_idle_expiry ON sessions (idle_expires_at);

-- Small JSON values of a session, sealed with the tenant's key; they go with the session.
CREATE TABLE session_attributes (
    session_id  VARCHAR(40)  NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    name        VARCHAR(128) NOT NULL,
    sealed_value VARCHAR     NOT NULL,
    updated_at  BIGINT       NOT NULL,
    PRIMARY KEY (session_id, name)
);

-- Ed25519 keys for session JWTs; the private JWK is sealed under the master key.
CREATE TABLE signing_keys (
    kid          VARCHAR(40)  PRIMARY KEY,
    public_jwk   VARCHAR      NOT NULL,
    private_jwk  VARCHAR      NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    retired_at   TIMESTAMP WITH TIME ZONE
);
