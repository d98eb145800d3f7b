package dev.ward.session;

import dev.ward.tenant.Policy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Storage of sessions keyed by the SHA-256 of their token. Implemented on SQL (embedded and
 * PostgreSQL) and, for production hot state, on Redis; the session service never knows which.
 */
public interface SessionStore {
    /**
     * Atomically, across nodes: counts the user's live sessions and, at the limit, revokes the oldest
     * (reason {@code evicted}) or refuses; then stores the new session.
     */
    Admission admit(Session session, String tokenHash, Duration idleTimeout, int maxConcurrent, Policy.OnLimit onLimit,
                    Instant now);

    /**
     * In one round trip: finds the live session for the token (its current token, or the previous one
     * within its grace period; of {@code tenant}, when not null), counts a use, slides the idle expiry
     * (never past the absolute one) and returns it; otherwise says why not. A store may find the session by the
     * token's hash alone (SQL) or look only where the token's route and session id say ({@link SessionToken}; Redis),
     * but then only the hash decides whether the token is the session's.
     */
    Lookup touch(SessionToken token, String tenant, Instant now);

    /**
     * Replaces the current token {@code oldHash} by {@code newHash}; the old one stays valid until
     * {@code graceUntil}. False when another request rotated first (compare-and-set on the old hash).
     */
    boolean rotate(String sessionId, String oldHash, String newHash, Instant now, Instant graceUntil);

    Optional<Session> findById(String sessionId);

    /** Marks a live session revoked and drops its attributes; false when it was not live. */
    boolean revoke(String sessionId, String reason, Instant now);

    /** Revokes every live session of a user except {@code keepSessionId} (may be null); returns them. */
    List<Session> revokeAllOfUser(String tenant, String userId, String keepSessionId, String reason, Instant now);

    /**
     * Returns once the revocations made so far of the user's sessions are held by as many replicas as the
     * deployment asks for (Redis {@code WAIT}, {@code WARD_REDIS_MIN_REPLICAS}), so that a failover cannot bring
     * an ended session back; at once where nothing is asked.
     *
     * @throws dev.ward.problem.StoreUnavailableException when the replicas did not confirm in time (the
     *         revocations stand on the primary)
     */
    void awaitRevocationReplicas(String tenant, String userId);

    /** Live sessions, oldest first: of one user, of one tenant (userId null) or of all (both null). */
    List<Session> live(String tenant, String userId, Instant now, int limit);

    /** Carries a role change into the user's live sessions and asks each for a new token. */
    void updateRoles(String tenant, String userId, List<String> roles);

    /**
     * Sets the authentication assurance level of a live session (e.g. to 2 once MFA is confirmed); false
     * when the session is not live.
     */
    boolean setAal(String sessionId, int aal, Instant now);

    /** Records the client a session is now used from (binding policy {@code warn}). */
    void updateClient(String sessionId, Client client);

    /**
     * Live sessions per tenant of {@code tenants} (for /metrics), or empty where the store cannot count them cheaply.
     * A count may include sessions ended within the last cleanup interval where the store says so in its own docs.
     */
    default java.util.Optional<Map<String, Long>> liveCounts(java.util.Set<String> tenants, Instant now) {
        return java.util.Optional.empty();
    }

    /** Sessions a cleanup would remove, counted per tenant. */
    Map<String, Long> countForCleanup(CleanupCriteria criteria, Instant now);

    /** Up to {@code limit} sessions a cleanup would remove. */
    List<Session> nextForCleanup(CleanupCriteria criteria, Instant now, int limit);

    /**
     * The tenant of the session a token belongs to (current or earlier token, live or not), without counting a use
     * or changing anything: for deciding whether to refuse a request before it touches the session.
     */
    Optional<String> tenantOf(SessionToken token);

    /** Deletes a session and its attributes; false when it was gone already. */
    boolean delete(String sessionId);
}
