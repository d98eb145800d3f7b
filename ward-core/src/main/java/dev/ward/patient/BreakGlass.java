package dev.ward.patient;

import java.time.Instant;

/**
 * One break of the glass: who opened which restricted patient outside its care team, why, for how long, and its
 * review ({@code status} {@code open} until an administrator reviews it).
 */
public record BreakGlass(String id, String tenant, String userId, String username, String sessionId, String patientId,
                         String reason, String reasonCode, Instant openedAt, Instant expiresAt, String status,
                         Instant reviewedAt, String reviewedBy, Boolean justified, String note) {
    public static final String OPEN = "open";
    public static final String REVIEWED = "reviewed";

    @Override
    public String toString() { return "BreakGlass[" + id + "]"; }
}
