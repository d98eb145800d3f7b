-- Tenant keys (C5): each version is a Tink keyset (one AES-256-GCM key) encrypted under the master key.
-- key_rings.primary_version is the compare-and-set point of rotation; it only moves up.

CREATE TABLE key_rings (
    tenant_id       VARCHAR(64)  PRIMARY KEY REFERENCES tenants (id),
    primary_version INTEGER      NOT NULL,
    rotated_at      TIMESTAMP WITH TIME ZONE NOT NULL
);

-- wrapped_keyset is NULL once the version is destroyed: its key material is gone (crypto-shredding).
CREATE TABLE key_versions (
    tenant_id       VARCHAR(64)  NOT NULL REFERENCES key_rings (tenant_id),
    version         INTEGER      NOT NULL,
    wrapped_keyset  VARCHAR(2000),
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    destroyed_at    TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (tenant_id, version)
);
