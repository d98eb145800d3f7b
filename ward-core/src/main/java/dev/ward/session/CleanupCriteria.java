package dev.ward.session;

import java.time.Instant;

/**
 * Which sessions a cleanup removes.
 *
 * @param selection     ENDED: expired or revoked; UNAUTHENTICATED: never fully signed in (AAL 0, e.g. waiting
 *                      for MFA enrolment); ALL: every session, live ones included
 * @param createdBefore only sessions created before this instant, or null for any age
 * @param tenant        only this tenant, or null for all
 */
public record CleanupCriteria(Selection selection, Instant createdBefore, String tenant) {
    public enum Selection { ENDED, UNAUTHENTICATED, ALL }

    public static CleanupCriteria ended() { return new CleanupCriteria(Selection.ENDED, null, null); }
}
