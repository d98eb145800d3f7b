-- The ATNA syslog copy of the audit trail (docs/decisions/0009-atna-forwarding.md): per tenant, the seq of the
-- last event the receiver is believed to have taken, and the one row whose lock makes a single node forward.
CREATE TABLE audit_forwarding (
    tenant_id   VARCHAR(256) PRIMARY KEY,
    last_seq    BIGINT       NOT NULL,
    updated_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE audit_forwarding_lock (
    id  INT PRIMARY KEY
);
INSERT INTO audit_forwarding_lock (id) VALUES (1);
