package dev.ward.store.sql;

import dev.ward.session.Client;
import dev.ward.session.Lookup;
import dev.ward.session.Session;
import dev.ward.session.SessionStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

public final class SqlSessionStore implements SessionStore {
    private static final String TOUCH = "UPDATE sessions SET last_seen_at = :now, uses = uses + 1, "
            + "idle_expires_at = CASE WHEN :now + idle_timeout_ms < absolute_expires_at THEN :now + idle_timeout_ms "
            + "ELSE absolute_expires_at END "
            + "WHERE token_hash = :h AND revoked_at IS NULL AND idle_expires_at > :now AND absolute_expires_at > :now "
            + "AND (CAST(:tenant AS VARCHAR) IS NULL OR tenant_id = :tenant)";

    private final SqlDatabase db;
    private final String touchStatement;

    public SqlSessionStore(SqlDatabase db) {
        this.db = db;
        // One statement that checks, bumps and returns: H2 through a data-change delta table, PostgreSQL with RETURNING.
        this.touchStatement = db.dialect() == SqlDatabase.Dialect.H2
                ? "SELECT * FROM FINAL TABLE (" + TOUCH + ")"
                : TOUCH + " RETURNING *";
    }

    @Override
    public void insert(Session s, String tokenHash, Duration idleTimeout) {
        db.run(h -> h.createUpdate("INSERT INTO sessions (id, token_hash, tenant_id, user_id, username, roles, aal, created_at, "
                        + "last_seen_at, idle_expires_at, absolute_expires_at, idle_timeout_ms, uses, client_ip, user_agent) "
                        + "VALUES (:id, :h, :t, :uid, :username, :roles, :aal, :created, :seen, :idle, :abs, :idleMs, :uses, :ip, :ua)")
                .bind("id", s.id()).bind("h", tokenHash).bind("t", s.tenant()).bind("uid", s.userId())
                .bind("username", s.username()).bind("roles", Columns.joined(s.roles())).bind("aal", s.aal())
                .bind("created", s.createdAt().toEpochMilli()).bind("seen", s.lastSeenAt().toEpochMilli())
                .bind("idle", s.idleExpiresAt().toEpochMilli()).bind("abs", s.absoluteExpiresAt().toEpochMilli())
                .bind("idleMs", idleTimeout.toMillis()).bind("uses", s.uses()).bind("ip", s.client().ip())
                .bind("ua", s.client().userAgent()).execute());
    }

    @Override
    public Lookup touch(String tokenHash, String tenant, Instant now) {
        return db.call(h -> {
            Optional<Session> touched = h.createQuery(touchStatement)
                    .bind("now", now.toEpochMilli()).bind("h", tokenHash).bind("tenant", tenant)
                    .map((rs, ctx) -> read(rs)).findOne();
            if (touched.isPresent()) {
                return new Lookup.Touched(touched.get());
            }
            // Not alive (or not ours): classify. Only failed validations pay for this second query.
            Optional<Session> row = h.createQuery("SELECT * FROM sessions WHERE token_hash = :h").bind("h", tokenHash)
                    .map((rs, ctx) -> read(rs)).findOne();
            if (row.isEmpty()) {
                return new Lookup.Unknown();
            }
            Session s = row.get();
            if (tenant != null && !tenant.equals(s.tenant())) {
                return new Lookup.OtherTenant(s);
            }
            if (s.revoked()) {
                return new Lookup.Revoked(s);
            }
            if (s.expiredAt(now)) {
                return new Lookup.Expired(s);
            }
            return new Lookup.Unknown();
        });
    }

    @Override
    public boolean revoke(String tenant, String sessionId, String reason, Instant now) {
        return db.call(h -> h.createUpdate("UPDATE sessions SET revoked_at = :now, revoke_reason = :r "
                        + "WHERE tenant_id = :t AND id = :id AND revoked_at IS NULL")
                .bind("now", now.toEpochMilli()).bind("r", reason).bind("t", tenant).bind("id", sessionId).execute()) == 1;
    }

    @Override
    public int revokeAllOfUser(String tenant, String userId, String reason, Instant now) {
        return db.call(h -> h.createUpdate("UPDATE sessions SET revoked_at = :now, revoke_reason = :r "
                        + "WHERE tenant_id = :t AND user_id = :u AND revoked_at IS NULL AND absolute_expires_at > :now "
                        + "AND idle_expires_at > :now")
                .bind("now", now.toEpochMilli()).bind("r", reason).bind("t", tenant).bind("u", userId).execute());
    }

    @Override
    public List<Session> liveOfUser(String tenant, String userId, Instant now) {
        return db.call(h -> h.createQuery("SELECT * FROM sessions WHERE tenant_id = :t AND user_id = :u AND revoked_at IS NULL "
                        + "AND idle_expires_at > :now AND absolute_expires_at > :now ORDER BY created_at, id")
                .bind("t", tenant).bind("u", userId).bind("now", now.toEpochMilli()).map((rs, ctx) -> read(rs)).list());
    }

    @Override
    public void updateRoles(String tenant, String userId, List<String> roles) {
        db.run(h -> h.createUpdate("UPDATE sessions SET roles = :r WHERE tenant_id = :t AND user_id = :u AND revoked_at IS NULL")
                .bind("r", Columns.joined(roles)).bind("t", tenant).bind("u", userId).execute());
    }

    private static Session read(ResultSet rs) throws SQLException {
        return new Session(rs.getString("id"), rs.getString("tenant_id"), rs.getString("user_id"), rs.getString("username"),
                Columns.split(rs.getString("roles")), rs.getInt("aal"), Columns.millis(rs, "created_at"),
                Columns.millis(rs, "last_seen_at"), Columns.millis(rs, "idle_expires_at"),
                Columns.millis(rs, "absolute_expires_at"), rs.getLong("uses"),
                new Client(rs.getString("client_ip"), rs.getString("user_agent")),
                Columns.millis(rs, "revoked_at"), rs.getString("revoke_reason"));
    }
}
