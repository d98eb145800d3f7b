-- Patient contexts (C6, issue 12): one per patient opened in a session, dying with it (ON DELETE CASCADE), each with its
-- own idle and hard expiry (epoch millis), an access count, and a data cache sealed under the tenant's key (never
-- plaintext: values are Ward ciphertexts bound to tenant, session, patient and key).
CREATE TABLE patient_contexts (
    session_id          VARCHAR(40)  NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    patient_id          VARCHAR(128) NOT NULL,
    opened_at           BIGINT       NOT NULL,
    last_access_at      BIGINT       NOT NULL,
    idle_expires_at     BIGINT       NOT NULL,
    absolute_expires_at BIGINT       NOT NULL,
    idle_timeout_ms     BIGINT       NOT NULL,
    accesses            BIGINT       NOT NULL,
    break_glass         BOOLEAN      NOT NULL,
    PRIMARY KEY (session_id, patient_id)
);
CREATE INDEX patient_contexts_by_idle_expiry ON patient_contexts (idle_expires_at);
CREATE INDEX patient_contexts_by_absolute_expiry ON patient_contexts (absolute_expires_at);

CREATE TABLE patient_data (
    session_id   VARCHAR(40)  NOT NULL,
    patient_id   VARCHAR(128) NOT NULL,
    name         VARCHAR(128) NOT NULL,
    sealed_value VARCHAR      NOT NULL,
    updated_at   BIGINT       NOT NULL,
    PRIMARY KEY (session_id, patient_id, name),
    FOREIGN KEY (session_id, patient_id) REFERENCES patient_contexts (session_id, patient_id) ON DELETE CASCADE
);
