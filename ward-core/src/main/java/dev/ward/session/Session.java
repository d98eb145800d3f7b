package dev.ward.session;

import java.time.Instant;
import java.util.List;

/**
 * A server-side session. Identified publicly by {@code id} ({@code ses_…}); the bearer token is never
 * part of this record — only its SHA-256 is stored, by the {@link SessionStore}.
 *
 * @param rotatedAt          when the current token was issued (login or last rotation)
 * @param usesSinceRotation  validations of the current token
 * @param rotatePending      a privilege change asks for a new token at the next use
 */
public record Session(String id, String tenant, String userId, String username, List<String> roles, int aal,
                      Instant createdAt, Instant lastSeenAt, Instant idleExpiresAt, Instant absoluteExpiresAt,
                      long uses, Client client, Instant revokedAt, String revokeReason,
                      Instant rotatedAt, long usesSinceRotation, boolean rotatePending) {
    public Session {
        roles = List.copyOf(roles);
    }

    /** Assurance level of a session that may only enrol MFA: its user's role requires MFA they have not set up. */
    public static final int AAL_ENROLLMENT_ONLY = 0;
    /** Password only. */
    public static final int AAL_PASSWORD = 1;
    /** Password and a second factor (TOTP or a backup code). */
    public static final int AAL_MFA = 2;

    public boolean enrollmentOnly() { return aal == AAL_ENROLLMENT_ONLY; }

    public boolean revoked() { return revokedAt != null; }

    public boolean expiredAt(Instant now) {
        return !idleExpiresAt.isAfter(now) || !absoluteExpiresAt.isAfter(now);
    }

    public boolean liveAt(Instant now) { return !revoked() && !expiredAt(now); }

    public Session withClient(Client c) {
        return new Session(id, tenant, userId, username, roles, aal, createdAt, lastSeenAt, idleExpiresAt,
                absoluteExpiresAt, uses, c, revokedAt, revokeReason, rotatedAt, usesSinceRotation, rotatePending);
    }

    public Session rotated(Instant at) {
        return new Session(id, tenant, userId, username, roles, aal, createdAt, lastSeenAt, idleExpiresAt,
                absoluteExpiresAt, uses, client, revokedAt, revokeReason, at, 0, false);
    }
}
