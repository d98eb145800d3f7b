package dev.ward.apikey;

import dev.ward.access.Scope;
import java.time.Instant;
import java.util.Set;

/** An application's credential for one tenant. Only the SHA-256 of the key is kept, and never printed. */
public record ApiKey(String id, String tenant, String name, Set<Scope> scopes, String keyHash, Instant createdAt,
                     Instant revokedAt) {
    public ApiKey {
        scopes = Set.copyOf(scopes);
    }

    @Override
    public String toString() {
        return "ApiKey[id=" + id + ", tenant=" + tenant + ", scopes=" + scopes + ", revoked=" + (revokedAt != null) + "]";
    }
}
