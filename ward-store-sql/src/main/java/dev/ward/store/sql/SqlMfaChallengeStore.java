package dev.ward.store.sql;

import dev.ward.auth.MfaChallenge;
import dev.ward.auth.MfaChallengeStore;
import dev.ward.session.Client;
import java.time.Instant;
import java.util.Optional;

/** Pending MFA logins in the shared database, so any node can finish a login another node started. */
public final class SqlMfaChallengeStore implements MfaChallengeStore {
    private final SqlDatabase db;

    public SqlMfaChallengeStore(SqlDatabase db) { this.db = db; }

    @Override
    public void create(MfaChallenge c) {
        db.run(h -> h.createUpdate("INSERT INTO mfa_challenges (challenge_hash, tenant_id, user_id, client_ip, user_agent, "
                        + "expires_at, failures) VALUES (:hash, :t, :u, :ip, :ua, :exp, :f)")
                .bind("hash", c.hash()).bind("t", c.tenant()).bind("u", c.userId()).bind("ip", c.client().ip())
                .bind("ua", c.client().userAgent()).bind("exp", Columns.timestamp(c.expiresAt())).bind("f", c.failures())
                .execute());
    }

    @Override
    public Optional<MfaChallenge> find(String hash) {
        return db.call(h -> h.createQuery("SELECT * FROM mfa_challenges WHERE challenge_hash = :hash")
                .bind("hash", hash)
                .map((rs, ctx) -> new MfaChallenge(rs.getString("challenge_hash"), rs.getString("tenant_id"),
                        rs.getString("user_id"), new Client(rs.getString("client_ip"), rs.getString("user_agent")),
                        Columns.instant(rs, "expires_at"), rs.getInt("failures")))
                .findOne());
    }

    @Override
    public boolean reserveAttempt(String hash, int max, Instant now) {
        return db.call(h -> h.createUpdate("UPDATE mfa_challenges SET failures = failures + 1 "
                        + "WHERE challenge_hash = :hash AND failures < :max AND expires_at > :now")
                .bind("hash", hash).bind("max", max).bind("now", Columns.timestamp(now)).execute()) == 1;
    }

    @Override
    public boolean consume(String hash) {
        return db.call(h -> h.createUpdate("DELETE FROM mfa_challenges WHERE challenge_hash = :hash")
                .bind("hash", hash).execute()) == 1;
    }

    @Override
    public int deleteAllOfUser(String tenant, String userId) {
        return db.call(h -> h.createUpdate("DELETE FROM mfa_challenges WHERE tenant_id = :t AND user_id = :u")
                .bind("t", tenant).bind("u", userId).execute());
    }

    @Override
    public int deleteExpired(Instant now) {
        return db.call(h -> h.createUpdate("DELETE FROM mfa_challenges WHERE expires_at <= :now")
                .bind("now", Columns.timestamp(now)).execute());
    }
}
