-- Restricted patients and break-glass (issue 12 item 6, HIPAA §164.312(a)(2)(ii) emergency access), and the alerts list
-- that break-glass is the first to write to (delivery channels come with detection, C8).

-- A patient an app marked restricted (a VIP, an employee, a confidential record): only its care team opens it
-- without breaking the glass. care_team is a comma-separated list of user ids of the tenant.
CREATE TABLE restricted_patients (
    tenant_id   VARCHAR(256) NOT NULL REFERENCES tenants (id),
    patient_id  VARCHAR(128) NOT NULL,
    care_team   VARCHAR      NOT NULL,
    updated_at  BIGINT       NOT NULL,
    updated_by  VARCHAR(80)  NOT NULL,
    PRIMARY KEY (tenant_id, patient_id)
);

-- One break of the glass, and its review (status open, then reviewed).
CREATE TABLE break_glass (
    id           VARCHAR(40)   PRIMARY KEY,
    tenant_id    VARCHAR(256)  NOT NULL REFERENCES tenants (id),
    user_id      VARCHAR(40)   NOT NULL,
    username     VARCHAR(256)  NOT NULL,
    session_id   VARCHAR(40)   NOT NULL,
    patient_id   VARCHAR(128)  NOT NULL,
    reason       VARCHAR(2000) NOT NULL,
    reason_code  VARCHAR(64),
    opened_at    BIGINT        NOT NULL,
    expires_at   BIGINT        NOT NULL,
    status       VARCHAR(16)   NOT NULL,
    reviewed_at  BIGINT,
    reviewed_by  VARCHAR(80),
    justified    BOOLEAN,
    note         VARCHAR(2000)
);
CREATE INDEX break_glass_by_status ON break_glass (tenant_id, status, opened_at);

CREATE TABLE alerts (
    id          VARCHAR(40)  PRIMARY KEY,
    tenant_id   VARCHAR(256) NOT NULL REFERENCES tenants (id),
    at          BIGINT       NOT NULL,
    type        VARCHAR(64)  NOT NULL,
    severity    VARCHAR(16)  NOT NULL,
    status      VARCHAR(16)  NOT NULL,
    subject     VARCHAR      NOT NULL,
    details     VARCHAR      NOT NULL,
    acknowledged_at BIGINT,
    acknowledged_by VARCHAR(80)
);
CREATE INDEX alerts_by_status ON alerts (tenant_id, status, at);

-- User-scope attributes (issue 12 item 7, API.md /v1/me/attributes): small JSON values of one user that outlive their
-- sessions, sealed under the tenant's key and bound to tenant, user and name; no other user or tenant reads them.
CREATE TABLE user_attributes (
    tenant_id    VARCHAR(64)  NOT NULL,
    user_id      VARCHAR(40)  NOT NULL,
    name         VARCHAR(128) NOT NULL,
    sealed_value VARCHAR      NOT NULL,
    updated_at   BIGINT       NOT NULL,
    PRIMARY KEY (tenant_id, user_id, name),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
