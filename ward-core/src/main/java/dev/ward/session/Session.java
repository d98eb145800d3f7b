package dev.ward.session;

import java.time.Instant;
import java.util.List;

/**
 * A server-side session. Identified publicly by {@code id} ({@code ses_…}); the bearer token is never
 * part of this record — only its SHA-256 is stored, by the {@link SessionStore}.
 */
public record Session(String id, String tenant, String userId, String username, List<String> roles, int aal,
                      Instant createdAt, Instant lastSeenAt, Instant idleExpiresAt, Instant absoluteExpiresAt,
                      long uses, Client client, Instant revokedAt, String revokeReason) {
    public Session {
        roles = List.copyOf(roles);
    }

    public boolean revoked() { return revokedAt != null; }

    public boolean expiredAt(Instant now) {
        return !idleExpiresAt.isAfter(now) || !absoluteExpiresAt.isAfter(now);
    }
}
