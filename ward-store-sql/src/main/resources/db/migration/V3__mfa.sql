-- MFA (C4): TOTP secrets, backup codes, and login challenges waiting for a second factor.

-- One TOTP factor per user, pending until a first code confirms it. The secret is sealed with the tenant's
-- key (associated data: tenant + user). last_step is the latest time step a code was accepted for: the replay
-- guard, advanced only by a compare-and-set (UPDATE ... WHERE last_step < :step), so it holds across nodes.
CREATE TABLE mfa_totp (
    tenant_id       VARCHAR(64)  NOT NULL,
    user_id         VARCHAR(40)  NOT NULL,
    sealed_secret   VARCHAR      NOT NULL,
    confirmed       BOOLEAN      NOT NULL,
    last_step       BIGINT       NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    confirmed_at    TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

-- Single-use backup codes: SHA-256 of a per-code salt and the code; used ones stay (marked) until the next
-- regeneration, so a reused code is recognised and audited as a replay.
CREATE TABLE mfa_backup_codes (
    tenant_id       VARCHAR(64)  NOT NULL,
    user_id         VARCHAR(40)  NOT NULL,
    id              VARCHAR(40)  NOT NULL,
    salt            VARCHAR(64)  NOT NULL,
    code_hash       VARCHAR(64)  NOT NULL,
    used_at         TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (tenant_id, user_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

-- Logins waiting for their second factor, by the SHA-256 of the wmc_ token. In the shared database, so the
-- code may be answered on another node than the password.
CREATE TABLE mfa_challenges (
    challenge_hash  VARCHAR(64)  PRIMARY KEY,
    tenant_id       VARCHAR(64)  NOT NULL,
    user_id         VARCHAR(40)  NOT NULL,
    client_ip       VARCHAR(64)  NOT NULL,
    user_agent      VARCHAR(512) NOT NULL,
    expires_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    failures        INTEGER      NOT NULL
);
CREATE INDEX mfa_challenges_by_expiry ON mfa_challenges (expires_at);
