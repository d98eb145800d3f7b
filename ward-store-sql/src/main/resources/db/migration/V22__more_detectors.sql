-- The detectors beyond the login ones (docs/decisions/0027-more-detectors.md), in the design of V21: written only by
-- the node holding the detection lock, times in epoch milliseconds of the injected clock.

-- The events a detector counts inside the window, one row per (event, detector): the seq is the evidence an alert
-- names. subject is what is counted about (a user id, a session id); item what is told apart (a patient id, the
-- address a session moved to); other what it left (the address a session moved from); amount what is summed (bytes
-- read). Pruned once older than the tenant's detect.window_seconds, like detect_failures.
CREATE TABLE detect_marks (
    tenant_id  VARCHAR(256) NOT NULL,
    seq        BIGINT       NOT NULL,
    detector   VARCHAR(32)  NOT NULL,
    subject    VARCHAR(300) NOT NULL,
    at         BIGINT       NOT NULL,
    item       VARCHAR(300),
    other      VARCHAR(300),
    amount     BIGINT       NOT NULL,
    PRIMARY KEY (tenant_id, seq, detector)
);
CREATE INDEX detect_marks_subject ON detect_marks (tenant_id, detector, subject, at);
CREATE INDEX detect_marks_at ON detect_marks (tenant_id, at);

-- Impossible travel: each user's last located successful login (its seq, time and coordinates), the point the next
-- one is measured from. One row per user that ever signed in from a located address.
CREATE TABLE detect_last_login (
    tenant_id  VARCHAR(256) NOT NULL,
    user_id    VARCHAR(64)  NOT NULL,
    seq        BIGINT       NOT NULL,
    at         BIGINT       NOT NULL,
    latitude   DOUBLE PRECISION NOT NULL,
    longitude  DOUBLE PRECISION NOT NULL,
    country    VARCHAR(8),
    city       VARCHAR(200),
    PRIMARY KEY (tenant_id, user_id)
);
