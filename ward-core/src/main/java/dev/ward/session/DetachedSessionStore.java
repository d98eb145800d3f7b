package dev.ward.session;

import java.time.Instant;
import java.util.List;

/**
 * A session store outside the database (Redis). Its changes cannot join a database transaction with their audit
 * events, so each is bracketed by a {@link SessionIntents} record (docs/decisions/0011-order-of-effects.md); these are
 * the reads and the one undo that the repair of an interrupted change needs.
 */
public interface DetachedSessionStore extends SessionStore {
    /** The sessions that the admission of {@code sessionId} evicted (policy evict_oldest), while the store still holds them. */
    List<Session> evictedBy(String tenant, String userId, String sessionId);

    /** The user's sessions revoked with {@code reason} at or after {@code since}, while the store still holds them. */
    List<Session> revokedSince(String tenant, String userId, String reason, Instant since);

    /**
     * Takes back a rotation whose new token never reached its holder: if {@code newHash} is still the session's current
     * token, {@code oldHash} is again, and the new one is forgotten. False when the session moved on or is gone.
     */
    boolean undoRotate(String sessionId, String oldHash, String newHash);

    /**
     * How many times the connection to the store was lost or made so far. A change means the store may have restarted
     * in between, perhaps from an older snapshot, so {@link #unreconciled()} must be asked before a session is trusted.
     */
    long connectionChanges();

    /**
     * Empty when the store is the very one (the same running process or processes) on which the revocations were last
     * re-applied; otherwise the generation it is now, to pass to {@link #reapply}. A restart, a restore from a snapshot,
     * an emptied store and a failover all count as a new generation.
     */
    java.util.Optional<String> unreconciled();

    /**
     * Ends again every listed session the store holds as live (a copy from before its revocation), with the reason it
     * was ended for, records nothing, and then marks {@code generation} reconciled. Answers how many it ended again.
     */
    int reapply(List<SessionRevocations.Revoked> revocations, String generation, Instant now);
}
