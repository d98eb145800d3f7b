package dev.ward.session;

import dev.ward.audit.AuditEntry;
import java.util.List;

/**
 * Data kept for a session in a store of its own (patient contexts, C6) that must die with the session — on logout,
 * revocation, expiry found at validation, and cleanup. The session service calls it inside its own change, so the
 * clearing is made and recorded with the session's end (docs/decisions/0016-patient-contexts.md).
 */
public interface SessionData {
    /** What a clearing removed and the events that record it (none when nothing was kept). */
    record Cleared(int count, List<AuditEntry> events) {
        public static final Cleared NOTHING = new Cleared(0, List.of());
    }

    /**
     * Removes everything kept for the session, now. {@code reason} is why the session ends ({@code logout},
     * {@code emergency_cleanup}, {@code session_expired}, a revocation reason, or {@code cleanup}).
     */
    Cleared clear(Session s, String reason, String actor);

    /** Whether anything is kept for the session: a cheap look before a clearing that would write its intent for nothing. */
    default boolean holdsAny(Session s) {
        return true;
    }

    SessionData NONE = new SessionData() {
        @Override public Cleared clear(Session s, String reason, String actor) { return Cleared.NOTHING; }
        @Override public boolean holdsAny(Session s) { return false; }
    };
}
