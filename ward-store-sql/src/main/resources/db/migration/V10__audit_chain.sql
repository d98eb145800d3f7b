-- The tamper-evident audit trail (C7, docs/decisions/0010-audit-chain.md). Each tenant's events form one hash chain:
-- chain_seq numbers them 1, 2, ... per tenant; prev_hash/hash chain them; audit_heads holds each tenant's last
-- position and hash, and its row lock serialises appends across nodes. seq stays the row's global identity.
ALTER TABLE audit_events ADD COLUMN chain_seq BIGINT;

CREATE TABLE audit_heads (
    tenant_id   VARCHAR(256) PRIMARY KEY,
    seq         BIGINT       NOT NULL,
    hash        VARCHAR(64)  NOT NULL,
    -- The chain starts after this position (0, or where retention pruned it): verification anchors there.
    first_seq   BIGINT       NOT NULL,
    first_prev  VARCHAR(64)  NOT NULL
);

-- Signed chain heads (Ed25519), to copy off the box; kind: periodic, on_demand, pruned (the new start of a pruned chain).
CREATE TABLE audit_checkpoints (
    tenant_id   VARCHAR(256) NOT NULL,
    seq         BIGINT       NOT NULL,
    hash        VARCHAR(64)  NOT NULL,
    at          BIGINT       NOT NULL,
    kind        VARCHAR(16)  NOT NULL,
    key_id      VARCHAR(40)  NOT NULL,
    signature   VARCHAR(128) NOT NULL,
    PRIMARY KEY (tenant_id, seq, kind)
);
CREATE INDEX audit_checkpoints_by_time ON audit_checkpoints (tenant_id, at);

-- The checkpoint signing keys: Ed25519, the private half sealed under the master key (purpose audit-checkpoint-keys).
CREATE TABLE audit_signing_keys (
    kid                 VARCHAR(40)  PRIMARY KEY,
    public_jwk          VARCHAR(512) NOT NULL,
    sealed_private_jwk  VARCHAR(1024) NOT NULL,
    created_at          BIGINT       NOT NULL,
    retired_at          BIGINT
);

-- Search (GET /v1/admin/audit): newest first within a tenant, by each filter.
CREATE INDEX audit_events_by_user ON audit_events (tenant_id, user_id, chain_seq);
CREATE INDEX audit_events_by_patient ON audit_events (tenant_id, patient_id, chain_seq);
CREATE INDEX audit_events_by_type ON audit_events (tenant_id, type, chain_seq);
CREATE INDEX audit_events_by_time ON audit_events (tenant_id, at);
CREATE UNIQUE INDEX audit_events_chain ON audit_events (tenant_id, chain_seq);
