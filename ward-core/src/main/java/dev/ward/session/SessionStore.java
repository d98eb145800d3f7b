package dev.ward.session;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Storage of sessions keyed by the SHA-256 of their token. Implemented on SQL (embedded and
 * PostgreSQL) and, for production hot state, on Redis; the session service never knows which.
 */
public interface SessionStore {
    void insert(Session session, String tokenHash, Duration idleTimeout);

    /**
     * In one round trip: finds the live session for {@code tokenHash} (of {@code tenant}, when not null),
     * counts a use, slides the idle expiry (never past the absolute one) and returns it; otherwise says why not.
     */
    Lookup touch(String tokenHash, String tenant, Instant now);

    /** Marks a live session revoked; false when it was not live. */
    boolean revoke(String tenant, String sessionId, String reason, Instant now);

    /** Revokes every live session of a user; returns how many. */
    int revokeAllOfUser(String tenant, String userId, String reason, Instant now);

    /** Live sessions of a user, oldest first. */
    List<Session> liveOfUser(String tenant, String userId, Instant now);

    /** Carries a role change into the user's live sessions. */
    void updateRoles(String tenant, String userId, List<String> roles);
}
