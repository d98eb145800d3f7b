package dev.ward.store.sql;

import dev.ward.session.Session;
import dev.ward.session.SessionRevocations;
import java.time.Instant;
import java.util.List;

/**
 * Revocations of sessions kept in Redis, in the database beside their audit events (docs/decisions/0014): a row per
 * ended session until its absolute expiry, re-applied to a Redis restored from an older snapshot.
 */
public final class SqlSessionRevocations implements SessionRevocations {
    private final SqlDatabase db;

    public SqlSessionRevocations(SqlDatabase db) { this.db = db; }

    @Override
    public void record(Session s, String reason, Instant at) {
        // A second revocation of one session (a repair finishing what a request also finished) keeps the first.
        db.insertUnlessDuplicate(h -> h.createUpdate("INSERT INTO session_revocations "
                        + "(session_id, tenant_id, user_id, reason, revoked_at, expires_at) VALUES (:id, :t, :u, :reason, :at, :until)")
                .bind("id", s.id()).bind("t", s.tenant()).bind("u", s.userId()).bind("reason", reason)
                .bind("at", at.toEpochMilli()).bind("until", s.absoluteExpiresAt().toEpochMilli()).execute());
    }

    @Override
    public List<Revoked> live(Instant now) {
        return db.call(h -> h.createQuery("SELECT session_id, reason FROM session_revocations WHERE expires_at > :now")
                .bind("now", now.toEpochMilli())
                .map((rs, ctx) -> new Revoked(rs.getString("session_id"), rs.getString("reason")))
                .list());
    }

    @Override
    public int prune(Instant now) {
        return db.call(h -> h.createUpdate("DELETE FROM session_revocations WHERE expires_at <= :now")
                .bind("now", now.toEpochMilli()).execute());
    }

    /** How many revocations are kept now (for {@code ward check}). */
    public long count(Instant now) {
        return db.call(h -> h.createQuery("SELECT COUNT(*) FROM session_revocations WHERE expires_at > :now")
                .bind("now", now.toEpochMilli()).mapTo(Long.class).one());
    }
}
