package dev.ward.session;

import java.time.Instant;
import java.util.List;

/**
 * The durable record of every session ended in a store outside the database (Redis), kept until the session would have
 * ended anyway, so that a store restored from an older snapshot can be told again which sessions are over
 * (docs/decisions/0014-revocations-survive-a-redis-restore.md). Written in the same transaction as the revocation's
 * audit event: a revocation is recorded here exactly when it is recorded at all.
 */
public interface SessionRevocations {
    /** A session ended, and why (the reason its holder is told again after a restore). */
    record Revoked(String sessionId, String reason) {}

    /** Records that {@code session} ended for {@code reason}; joins the caller's transaction; once per session. */
    void record(Session session, String reason, Instant at);

    /** Every recorded revocation of a session that would still be live at {@code now} had it not been ended. */
    List<Revoked> live(Instant now);

    /** Forgets revocations of sessions past their absolute expiry (a restored copy of them is expired anyway). */
    int prune(Instant now);

    /** For sessions kept in the database, whose revocations are the database's own rows: nothing to keep apart. */
    SessionRevocations NONE = new SessionRevocations() {
        @Override
        public void record(Session session, String reason, Instant at) { }

        @Override
        public List<Revoked> live(Instant now) { return List.of(); }

        @Override
        public int prune(Instant now) { return 0; }
    };
}
