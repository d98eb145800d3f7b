-- The detectors of C8 (docs/decisions/0026-detectors.md). They read the audit trail after the fact, one node at a
-- time per cluster: per tenant the seq of the last event looked at, and the one row whose lock makes a single node
-- process (as audit_forwarding, V9).
CREATE TABLE detect_positions (
    tenant_id   VARCHAR(256) PRIMARY KEY,
    last_seq    BIGINT       NOT NULL,
    updated_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE detect_lock (
    id  INT PRIMARY KEY
);
INSERT INTO detect_lock (id) VALUES (1);

-- The failed logins inside the detection window, the detectors' counters: one row per login.failed event (its seq,
-- the evidence an alert names), pruned once older than the tenant's detect.window_seconds. username_tag is a 16-bit
-- tag of the typed username (never the name: it may be a password typed in the wrong field). at: epoch milliseconds.
CREATE TABLE detect_failures (
    tenant_id     VARCHAR(256) NOT NULL,
    seq           BIGINT       NOT NULL,
    at            BIGINT       NOT NULL,
    user_id       VARCHAR(64),
    ip            VARCHAR(64)  NOT NULL,
    username_tag  VARCHAR(8),
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX detect_failures_user ON detect_failures (tenant_id, user_id, at);
CREATE INDEX detect_failures_ip ON detect_failures (tenant_id, ip, at);

-- One row per incident: open while failures keep coming less than detect.quiet_seconds apart; the alert raised when it
-- opened. A later failure of an open incident only moves last_at.
CREATE TABLE detect_incidents (
    tenant_id   VARCHAR(256) NOT NULL,
    detector    VARCHAR(32)  NOT NULL,
    subject     VARCHAR(300) NOT NULL,
    alert_id    VARCHAR(40)  NOT NULL,
    opened_at   BIGINT       NOT NULL,
    last_at     BIGINT       NOT NULL,
    PRIMARY KEY (tenant_id, detector, subject)
);
