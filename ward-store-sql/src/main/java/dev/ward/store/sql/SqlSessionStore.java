package dev.ward.store.sql;

import dev.ward.patient.PatientContext;
import dev.ward.session.Admission;
import dev.ward.session.CleanupCriteria;
import dev.ward.session.Client;
import dev.ward.session.Lookup;
import dev.ward.session.Session;
import dev.ward.session.SessionStore;
import dev.ward.session.SessionToken;
import dev.ward.tenant.Policy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

public final class SqlSessionStore implements SessionStore {
    /**
     * What every read of a session selects, in the order {@link #read} takes them by position: a column looked up by
     * name made H2 build a map of the result's column names for each result set (about 3 KB per validation, issue 13).
     */
    private static final String COLUMNS = "id, tenant_id, user_id, username, roles, aal, created_at, last_seen_at, "
            + "idle_expires_at, absolute_expires_at, uses, client_ip, user_agent, revoked_at, revoke_reason, rotated_at, "
            + "uses_since_rotation, rotate_pending, has_patients";
    /** The position of {@code has_patients} in {@link #COLUMNS}. */
    private static final int HAS_PATIENTS = 19;
    private static final String ALIVE = "revoked_at IS NULL AND idle_expires_at > :now AND absolute_expires_at > :now";
    /**
     * Validation's one statement (issue 13, goal 2): checks, counts a use, slides the idle expiry and returns the row, on
     * plain JDBC (positional parameters, bound in {@link #bump}). The tenant condition is left out when no tenant is asked.
     */
    private static final String BUMP = "UPDATE sessions SET last_seen_at = ?, uses = uses + 1, "
            + "uses_since_rotation = uses_since_rotation + %s, "
            + "idle_expires_at = CASE WHEN ? + idle_timeout_ms < absolute_expires_at THEN ? + idle_timeout_ms "
            + "ELSE absolute_expires_at END "
            + "WHERE %s AND revoked_at IS NULL AND idle_expires_at > ? AND absolute_expires_at > ?%s";
    private static final String BY_TENANT = " AND tenant_id = ?";

    /**
     * Which session a token that is not the live current one belongs to, in one statement: its current token,
     * its previous one (in or past the grace period), or any token it had before (a superseded one).
     */
    private static final String CLASSIFY = ("SELECT %1$s, 0 AS kind FROM sessions s WHERE s.token_hash = :h "
            + "UNION ALL SELECT %1$s, 1 AS kind FROM sessions s WHERE s.prev_token_hash = :h "
            + "UNION ALL SELECT %1$s, 1 AS kind FROM session_superseded_tokens o JOIN sessions s ON s.id = o.session_id "
            + "WHERE o.token_hash = :h").formatted(COLUMNS.replaceAll("(\\w+)", "s.$1"));

    private final SqlDatabase db;
    /** The bump of the current token, of the previous one in its grace period; each without and with the tenant. */
    private final String[] touchCurrent;
    private final String[] touchPrevious;

    public SqlSessionStore(SqlDatabase db) {
        this.db = db;
        this.touchCurrent = new String[] {returning(BUMP.formatted("1", "token_hash = ?", "")),
                returning(BUMP.formatted("1", "token_hash = ?", BY_TENANT))};
        this.touchPrevious = new String[] {returning(BUMP.formatted("0", "prev_token_hash = ? AND prev_valid_until > ?", "")),
                returning(BUMP.formatted("0", "prev_token_hash = ? AND prev_valid_until > ?", BY_TENANT))};
    }

    /** One statement that checks, bumps and returns: H2 through a data-change delta table, PostgreSQL with RETURNING. */
    private String returning(String update) {
        return db.dialect() == SqlDatabase.Dialect.H2 ? "SELECT " + COLUMNS + " FROM FINAL TABLE (" + update + ")"
                : update + " RETURNING " + COLUMNS;
    }

    @Override
    public Admission admit(Session s, String tokenHash, Duration idleTimeout, int maxConcurrent, Policy.OnLimit onLimit,
                           Instant now) {
        return db.inTransaction(h -> {
            // The user's row is the lock that serialises concurrent logins of one user across nodes.
            h.createQuery("SELECT id FROM users WHERE tenant_id = :t AND id = :u FOR UPDATE")
                    .bind("t", s.tenant()).bind("u", s.userId()).mapTo(String.class).findOne();
            List<Session> live = liveOfUser(h, s.tenant(), s.userId(), now);
            List<Session> evicted = new ArrayList<>();
            if (live.size() >= maxConcurrent) {
                if (onLimit == Policy.OnLimit.REJECT) {
                    return new Admission.LimitReached(maxConcurrent);
                }
                for (Session old : live.subList(0, live.size() - maxConcurrent + 1)) {
                    if (revoke(h, old.id(), "evicted", now)) {
                        evicted.add(old);
                    }
                }
            }
            h.createUpdate("INSERT INTO sessions (id, token_hash, tenant_id, user_id, username, roles, aal, created_at, "
                            + "last_seen_at, idle_expires_at, absolute_expires_at, idle_timeout_ms, uses, client_ip, user_agent, "
                            + "rotated_at, uses_since_rotation, rotate_pending) "
                            + "VALUES (:id, :h, :t, :uid, :username, :roles, :aal, :created, :seen, :idle, :abs, :idleMs, :uses, "
                            + ":ip, :ua, :rotated, 0, FALSE)")
                    .bind("id", s.id()).bind("h", tokenHash).bind("t", s.tenant()).bind("uid", s.userId())
                    .bind("username", s.username()).bind("roles", Columns.joined(s.roles())).bind("aal", s.aal())
                    .bind("created", s.createdAt().toEpochMilli()).bind("seen", s.lastSeenAt().toEpochMilli())
                    .bind("idle", s.idleExpiresAt().toEpochMilli()).bind("abs", s.absoluteExpiresAt().toEpochMilli())
                    .bind("idleMs", idleTimeout.toMillis()).bind("uses", s.uses()).bind("ip", s.client().ip())
                    .bind("ua", s.client().userAgent()).bind("rotated", s.rotatedAt().toEpochMilli()).execute();
            return new Admission.Admitted(evicted);
        });
    }

    @Override
    public Lookup touch(SessionToken token, String tenant, Instant now) {
        String tokenHash = token.hash();
        // The live paths in one statement on a plain connection (plus the contexts, for a session that ever opened one).
        Lookup touched = db.withConnection(c -> {
            Lookup found = bump(c, touchCurrent, false, tokenHash, tenant, now);
            // Not the current token of a live session: a token in its rotation grace period, or a failure to classify.
            // Only these rarer paths pay for more statements.
            return found != null ? found : bump(c, touchPrevious, true, tokenHash, tenant, now);
        });
        if (touched != null) {
            return touched;
        }
        return db.call(h -> {
            Optional<Map.Entry<Session, Boolean>> row = h.createQuery(CLASSIFY).bind("h", tokenHash)
                    .map((rs, ctx) -> Map.entry(read(rs), rs.getInt("kind") == 1)).findFirst();
            if (row.isEmpty()) {
                return new Lookup.Unknown();
            }
            Session s = row.get().getKey();
            boolean superseded = row.get().getValue();
            if (tenant != null && !tenant.equals(s.tenant())) {
                return new Lookup.OtherTenant(s);
            }
            if (s.revoked()) {
                return new Lookup.Revoked(s);
            }
            if (s.expiredAt(now)) {
                return new Lookup.Expired(s);
            }
            return superseded ? new Lookup.Superseded(s) : new Lookup.Unknown();
        });
    }

    /** One bump; the session as it is after it, with its live patient contexts, or null when no live session matched. */
    private static Lookup bump(Connection c, String[] sql, boolean previous, String tokenHash, String tenant, Instant now)
            throws SQLException {
        long t = now.toEpochMilli();
        Session s;
        boolean hasPatients;
        try (PreparedStatement ps = c.prepareStatement(sql[tenant == null ? 0 : 1])) {
            int i = 0;
            ps.setLong(++i, t);
            ps.setLong(++i, t);
            ps.setLong(++i, t);
            ps.setString(++i, tokenHash);
            if (previous) {
                ps.setLong(++i, t);
            }
            ps.setLong(++i, t);
            ps.setLong(++i, t);
            if (tenant != null) {
                ps.setString(++i, tenant);
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                s = read(rs);
                hasPatients = rs.getBoolean(HAS_PATIENTS);
            }
        }
        List<PatientContext> patients = hasPatients ? SqlPatientStore.liveOf(c, s.id(), now) : List.of();
        return new Lookup.Touched(s, !previous, Optional.of(patients));
    }

    /**
     * The replaced token is kept as superseded too (it is also the previous one until the next rotation), so
     * every token the session had answers "expired" or "revoked" for as long as the session is kept.
     */
    @Override
    public boolean rotate(String sessionId, String oldHash, String newHash, Instant now, Instant graceUntil) {
        return db.inTransaction(h -> {
            boolean won = h.createUpdate("UPDATE sessions SET prev_token_hash = token_hash, prev_valid_until = :grace, "
                            + "token_hash = :new, rotated_at = :now, uses_since_rotation = 0, rotate_pending = FALSE "
                            + "WHERE id = :id AND token_hash = :old AND revoked_at IS NULL")
                    .bind("grace", graceUntil.toEpochMilli()).bind("new", newHash).bind("now", now.toEpochMilli())
                    .bind("id", sessionId).bind("old", oldHash).execute() == 1;
            if (won) {
                h.createUpdate("INSERT INTO session_superseded_tokens (token_hash, session_id) VALUES (:old, :id)")
                        .bind("old", oldHash).bind("id", sessionId).execute();
            }
            return won;
        });
    }

    @Override
    public Optional<Session> findById(String sessionId) {
        return db.call(h -> h.createQuery("SELECT " + COLUMNS + " FROM sessions WHERE id = :id").bind("id", sessionId)
                .map((rs, ctx) -> read(rs)).findOne());
    }

    @Override
    public boolean revoke(String sessionId, String reason, Instant now) {
        return db.inTransaction(h -> revoke(h, sessionId, reason, now));
    }

    private static boolean revoke(Handle h, String sessionId, String reason, Instant now) {
        int n = h.createUpdate("UPDATE sessions SET revoked_at = :now, revoke_reason = :r WHERE id = :id AND " + ALIVE)
                .bind("now", now.toEpochMilli()).bind("r", reason).bind("id", sessionId).execute();
        h.createUpdate("DELETE FROM session_attributes WHERE session_id = :id").bind("id", sessionId).execute();
        // Patient contexts (and, by cascade, their data) die with the session whoever ends it.
        h.createUpdate("DELETE FROM patient_contexts WHERE session_id = :id").bind("id", sessionId).execute();
        return n == 1;
    }

    @Override
    public List<Session> revokeAllOfUser(String tenant, String userId, String keepSessionId, String reason, Instant now) {
        return db.inTransaction(h -> {
            List<Session> ended = new ArrayList<>();
            for (Session s : liveOfUser(h, tenant, userId, now)) {
                if (!s.id().equals(keepSessionId) && revoke(h, s.id(), reason, now)) {
                    ended.add(s);
                }
            }
            return ended;
        });
    }

    /** A commit is what PostgreSQL's own settings make it ({@code synchronous_commit}, synchronous standbys). */
    @Override
    public void awaitRevocationReplicas(String tenant, String userId) {
    }

    @Override
    public List<Session> live(String tenant, String userId, Instant now, int limit) {
        return db.call(h -> h.createQuery("SELECT " + COLUMNS + " FROM sessions WHERE " + ALIVE
                        + " AND (CAST(:t AS VARCHAR) IS NULL OR tenant_id = :t) AND (CAST(:u AS VARCHAR) IS NULL OR user_id = :u)"
                        + " ORDER BY created_at, id LIMIT :limit")
                .bind("now", now.toEpochMilli()).bind("t", tenant).bind("u", userId).bind("limit", limit)
                .map((rs, ctx) -> read(rs)).list());
    }

    private static List<Session> liveOfUser(Handle h, String tenant, String userId, Instant now) {
        return h.createQuery("SELECT " + COLUMNS + " FROM sessions WHERE tenant_id = :t AND user_id = :u AND " + ALIVE + " ORDER BY created_at, id")
                .bind("t", tenant).bind("u", userId).bind("now", now.toEpochMilli()).map((rs, ctx) -> read(rs)).list();
    }

    @Override
    public void updateRoles(String tenant, String userId, List<String> roles) {
        db.run(h -> h.createUpdate("UPDATE sessions SET roles = :r, rotate_pending = TRUE "
                        + "WHERE tenant_id = :t AND user_id = :u AND revoked_at IS NULL")
                .bind("r", Columns.joined(roles)).bind("t", tenant).bind("u", userId).execute());
    }

    @Override
    public boolean setAal(String sessionId, int aal, Instant now) {
        return db.call(h -> h.createUpdate("UPDATE sessions SET aal = :aal WHERE id = :id AND " + ALIVE)
                .bind("aal", aal).bind("id", sessionId).bind("now", now.toEpochMilli()).execute()) == 1;
    }

    @Override
    public void updateClient(String sessionId, Client client) {
        db.run(h -> h.createUpdate("UPDATE sessions SET client_ip = :ip, user_agent = :ua WHERE id = :id")
                .bind("ip", client.ip()).bind("ua", client.userAgent()).bind("id", sessionId).execute());
    }

    @Override
    public java.util.Optional<Map<String, Long>> liveCounts(java.util.Set<String> tenants, Instant now) {
        return java.util.Optional.of(db.call(h -> {
            Map<String, Long> counts = new LinkedHashMap<>();
            h.createQuery("SELECT tenant_id, COUNT(*) AS n FROM sessions WHERE revoked_at IS NULL AND idle_expires_at > :now "
                            + "AND absolute_expires_at > :now GROUP BY tenant_id")
                    .bind("now", now.toEpochMilli())
                    .map((rs, ctx) -> Map.entry(rs.getString("tenant_id"), rs.getLong("n")))
                    .forEach(e -> counts.put(e.getKey(), e.getValue()));
            return counts;
        }));
    }

    @Override
    public Map<String, Long> countForCleanup(CleanupCriteria c, Instant now) {
        return db.call(h -> {
            Map<String, Long> counts = new LinkedHashMap<>();
            bindCleanup(h.createQuery("SELECT tenant_id, COUNT(*) AS n FROM sessions WHERE " + cleanupWhere(c)
                    + " GROUP BY tenant_id ORDER BY tenant_id"), c, now)
                    .map((rs, ctx) -> Map.entry(rs.getString("tenant_id"), rs.getLong("n")))
                    .forEach(e -> counts.put(e.getKey(), e.getValue()));
            return counts;
        });
    }

    @Override
    public List<Session> nextForCleanup(CleanupCriteria c, Instant now, int limit) {
        return db.call(h -> bindCleanup(h.createQuery("SELECT " + COLUMNS + " FROM sessions WHERE " + cleanupWhere(c)
                + " ORDER BY created_at, id LIMIT :limit"), c, now).bind("limit", limit).map((rs, ctx) -> read(rs)).list());
    }

    private static String cleanupWhere(CleanupCriteria c) {
        String selection = switch (c.selection()) {
            case ENDED -> "(revoked_at IS NOT NULL OR idle_expires_at <= :now OR absolute_expires_at <= :now)";
            case UNAUTHENTICATED -> "aal = 0";
            case ALL -> "1 = 1";
        };
        return selection + (c.createdBefore() == null ? "" : " AND created_at < :before")
                + (c.tenant() == null ? "" : " AND tenant_id = :t");
    }

    private static Query bindCleanup(Query q, CleanupCriteria c, Instant now) {
        if (c.selection() == CleanupCriteria.Selection.ENDED) {
            q.bind("now", now.toEpochMilli());
        }
        if (c.createdBefore() != null) {
            q.bind("before", c.createdBefore().toEpochMilli());
        }
        if (c.tenant() != null) {
            q.bind("t", c.tenant());
        }
        return q;
    }

    @Override
    public boolean delete(String sessionId) {
        return db.call(h -> h.createUpdate("DELETE FROM sessions WHERE id = :id").bind("id", sessionId).execute()) == 1;
    }

    /** A session from a row of {@link #COLUMNS}, by position. */
    private static Session read(ResultSet rs) throws SQLException {
        return new Session(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), Columns.split(rs.getString(5)),
                rs.getInt(6), Columns.millis(rs, 7), Columns.millis(rs, 8), Columns.millis(rs, 9), Columns.millis(rs, 10),
                rs.getLong(11), new Client(rs.getString(12), rs.getString(13)), Columns.millis(rs, 14), rs.getString(15),
                Columns.millis(rs, 16), rs.getLong(17), rs.getBoolean(18));
    }

    @Override
    public Optional<String> tenantOf(SessionToken token) {
        return db.call(h -> h.createQuery("SELECT tenant_id FROM sessions WHERE token_hash = :h "
                        + "UNION ALL SELECT tenant_id FROM sessions WHERE prev_token_hash = :h")
                .bind("h", token.hash()).mapTo(String.class).findFirst());
    }

}
