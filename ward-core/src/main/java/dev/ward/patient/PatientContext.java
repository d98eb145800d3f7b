package dev.ward.patient;

import java.time.Instant;

/**
 * One patient opened in one session (C6): its own idle timeout (slid by every use) and hard limit, an access count,
 * and an encrypted data cache that dies with it. Holds no patient data itself.
 *
 * @param idleExpiresAt     when it idles out unless used again (never after {@code absoluteExpiresAt})
 * @param absoluteExpiresAt its hard limit (or a break-glass context's short one)
 */
public record PatientContext(String sessionId, String patientId, Instant openedAt, Instant lastAccessAt,
                             Instant idleExpiresAt, Instant absoluteExpiresAt, long accesses, boolean breakGlass) {
    /** When it ends if nothing uses it: the earlier of its two limits. */
    public Instant expiresAt() {
        return idleExpiresAt.isBefore(absoluteExpiresAt) ? idleExpiresAt : absoluteExpiresAt;
    }

    public boolean liveAt(Instant now) {
        return idleExpiresAt.isAfter(now) && absoluteExpiresAt.isAfter(now);
    }
}
