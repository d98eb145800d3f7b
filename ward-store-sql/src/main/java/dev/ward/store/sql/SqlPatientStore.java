package dev.ward.store.sql;

import dev.ward.patient.PatientContext;
import dev.ward.patient.PatientStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Patient contexts in the database beside their sessions (embedded H2 and PostgreSQL): rows that cascade away with the
 * session, data rows that cascade away with the context. Each call is one transaction; a use locks the context's row,
 * so parallel uses count and slide correctly and a key limit holds across nodes.
 */
public final class SqlPatientStore implements PatientStore {
    private static final String EXPIRED = "(idle_expires_at <= :now OR absolute_expires_at <= :now)";

    private final SqlDatabase db;

    public SqlPatientStore(SqlDatabase db) { this.db = db; }

    @Override
    public Result open(String sessionId, String patientId, Instant now, Duration idle, Instant hardEnd, boolean breakGlass,
                       int maxContexts) {
        long t = now.toEpochMilli();
        return db.inTransaction(h -> {
            // The session's row is the lock that makes count-then-insert atomic across parallel requests and nodes.
            if (h.createQuery("SELECT id FROM sessions WHERE id = :s AND revoked_at IS NULL AND idle_expires_at > :now "
                            + "AND absolute_expires_at > :now FOR UPDATE").bind("s", sessionId).bind("now", t).mapTo(String.class)
                    .findOne().isEmpty()) {
                return new Result(State.MISSING, null, null, false);
            }
            Result used = use(h, sessionId, patientId, now);
            if (used.state() == State.LIVE) {
                return used;
            }
            long live = h.createQuery("SELECT COUNT(*) FROM patient_contexts WHERE session_id = :s AND NOT " + EXPIRED)
                    .bind("s", sessionId).bind("now", t).mapTo(Long.class).one();
            if (live >= maxContexts) {
                return new Result(State.LIMIT, null, null, false);
            }
            long idleEnd = Math.min(t + idle.toMillis(), hardEnd.toEpochMilli());
            // Validation reads the contexts of marked sessions only (V20); the row is locked by this transaction already.
            h.createUpdate("UPDATE sessions SET has_patients = TRUE WHERE id = :s AND NOT has_patients").bind("s", sessionId)
                    .execute();
            h.createUpdate("INSERT INTO patient_contexts (session_id, patient_id, opened_at, last_access_at, idle_expires_at, "
                            + "absolute_expires_at, idle_timeout_ms, accesses, break_glass) "
                            + "VALUES (:s, :p, :now, :now, :idle, :abs, :ms, 1, :bg)")
                    .bind("s", sessionId).bind("p", patientId).bind("now", t).bind("idle", idleEnd)
                    .bind("abs", hardEnd.toEpochMilli()).bind("ms", idle.toMillis()).bind("bg", breakGlass).execute();
            PatientContext opened = new PatientContext(sessionId, patientId, now, now, Instant.ofEpochMilli(idleEnd), hardEnd,
                    1, breakGlass);
            return new Result(State.LIVE, opened, used.state() == State.EXPIRED ? "expired" : null, true);
        });
    }

    @Override
    public Result touch(String sessionId, String patientId, Instant now) {
        return db.inTransaction(h -> use(h, sessionId, patientId, now));
    }

    @Override
    public Result read(String sessionId, String patientId, String key, Instant now) {
        return db.inTransaction(h -> {
            Result used = use(h, sessionId, patientId, now);
            if (used.state() != State.LIVE) {
                return used;
            }
            String value = h.createQuery("SELECT sealed_value FROM patient_data WHERE session_id = :s AND patient_id = :p AND name = :n")
                    .bind("s", sessionId).bind("p", patientId).bind("n", key).mapTo(String.class).findOne().orElse(null);
            return new Result(State.LIVE, used.context(), value, false);
        });
    }

    @Override
    public Result write(String sessionId, String patientId, String key, String sealed, Instant now, int maxKeys) {
        return db.inTransaction(h -> {
            Result used = use(h, sessionId, patientId, now);
            if (used.state() != State.LIVE) {
                return used;
            }
            int updated = h.createUpdate("UPDATE patient_data SET sealed_value = :v, updated_at = :now "
                            + "WHERE session_id = :s AND patient_id = :p AND name = :n")
                    .bind("v", sealed).bind("now", now.toEpochMilli()).bind("s", sessionId).bind("p", patientId).bind("n", key)
                    .execute();
            if (updated == 1) {
                return new Result(State.LIVE, used.context(), null, true);
            }
            long keys = h.createQuery("SELECT COUNT(*) FROM patient_data WHERE session_id = :s AND patient_id = :p")
                    .bind("s", sessionId).bind("p", patientId).mapTo(Long.class).one();
            if (keys >= maxKeys) {
                return new Result(State.LIMIT, used.context(), null, false);
            }
            h.createUpdate("INSERT INTO patient_data (session_id, patient_id, name, sealed_value, updated_at) "
                            + "VALUES (:s, :p, :n, :v, :now)")
                    .bind("s", sessionId).bind("p", patientId).bind("n", key).bind("v", sealed).bind("now", now.toEpochMilli())
                    .execute();
            return new Result(State.LIVE, used.context(), null, true);
        });
    }

    @Override
    public Result deleteData(String sessionId, String patientId, String key, Instant now) {
        return db.inTransaction(h -> {
            Result used = use(h, sessionId, patientId, now);
            if (used.state() != State.LIVE) {
                return used;
            }
            int n = h.createUpdate("DELETE FROM patient_data WHERE session_id = :s AND patient_id = :p AND name = :n")
                    .bind("s", sessionId).bind("p", patientId).bind("n", key).execute();
            return new Result(State.LIVE, used.context(), null, n == 1);
        });
    }

    /**
     * One use of a context, under its row's lock: a live one is counted and slid (never past its hard limit); an
     * expired one is removed with its data.
     */
    private static Result use(Handle h, String sessionId, String patientId, Instant now) {
        Optional<PatientContext> found = h.createQuery("SELECT * FROM patient_contexts WHERE session_id = :s AND patient_id = :p FOR UPDATE")
                .bind("s", sessionId).bind("p", patientId).map((rs, ctx) -> read(rs)).findOne();
        if (found.isEmpty()) {
            return new Result(State.MISSING, null, null, false);
        }
        PatientContext c = found.get();
        if (!c.liveAt(now)) {
            delete(h, sessionId, patientId);
            return new Result(State.EXPIRED, c, null, true);
        }
        long t = now.toEpochMilli();
        long idleMs = h.createQuery("SELECT idle_timeout_ms FROM patient_contexts WHERE session_id = :s AND patient_id = :p")
                .bind("s", sessionId).bind("p", patientId).mapTo(Long.class).one();
        long idle = Math.min(t + idleMs, c.absoluteExpiresAt().toEpochMilli());
        h.createUpdate("UPDATE patient_contexts SET last_access_at = :now, accesses = accesses + 1, idle_expires_at = :idle "
                        + "WHERE session_id = :s AND patient_id = :p")
                .bind("now", t).bind("idle", idle).bind("s", sessionId).bind("p", patientId).execute();
        return new Result(State.LIVE, new PatientContext(sessionId, patientId, c.openedAt(), now, Instant.ofEpochMilli(idle),
                c.absoluteExpiresAt(), c.accesses() + 1, c.breakGlass()), null, false);
    }

    private static int delete(Handle h, String sessionId, String patientId) {
        // Data first: H2 and PostgreSQL both cascade, but the explicit delete keeps the order obvious.
        h.createUpdate("DELETE FROM patient_data WHERE session_id = :s AND patient_id = :p")
                .bind("s", sessionId).bind("p", patientId).execute();
        return h.createUpdate("DELETE FROM patient_contexts WHERE session_id = :s AND patient_id = :p")
                .bind("s", sessionId).bind("p", patientId).execute();
    }

    @Override
    public boolean close(String sessionId, String patientId) {
        return db.inTransaction(h -> delete(h, sessionId, patientId)) == 1;
    }

    @Override
    public Listing list(String sessionId, Instant now) {
        return db.inTransaction(h -> {
            List<PatientContext> all = h.createQuery("SELECT * FROM patient_contexts WHERE session_id = :s ORDER BY opened_at, patient_id")
                    .bind("s", sessionId).map((rs, ctx) -> read(rs)).list();
            List<PatientContext> live = new ArrayList<>();
            List<String> expired = new ArrayList<>();
            for (PatientContext c : all) {
                if (c.liveAt(now)) {
                    live.add(c);
                } else if (delete(h, sessionId, c.patientId()) == 1) {
                    expired.add(c.patientId());
                }
            }
            return new Listing(live, expired);
        });
    }

    @Override
    public int clearAll(String sessionId) {
        return db.inTransaction(h -> {
            h.createUpdate("DELETE FROM patient_data WHERE session_id = :s").bind("s", sessionId).execute();
            return h.createUpdate("DELETE FROM patient_contexts WHERE session_id = :s").bind("s", sessionId).execute();
        });
    }

    @Override
    public List<String> sessionsHolding(String tenant, String patientId) {
        return db.call(h -> h.createQuery("SELECT c.session_id FROM patient_contexts c JOIN sessions s ON s.id = c.session_id "
                        + "WHERE s.tenant_id = :t AND c.patient_id = :p ORDER BY c.session_id")
                .bind("t", tenant).bind("p", patientId).mapTo(String.class).list());
    }

    @Override
    public boolean holdsAny(String sessionId) {
        return db.call(h -> h.createQuery("SELECT COUNT(*) FROM patient_contexts WHERE session_id = :s").bind("s", sessionId)
                .mapTo(Long.class).one()) > 0;
    }

    @Override
    public List<Swept> sweepExpired(Instant now, int limit) {
        return db.inTransaction(h -> {
            List<Swept> due = h.createQuery("SELECT session_id, patient_id FROM patient_contexts WHERE " + EXPIRED
                            + " ORDER BY session_id, patient_id LIMIT :limit")
                    .bind("now", now.toEpochMilli()).bind("limit", limit)
                    .map((rs, ctx) -> new Swept(rs.getString("session_id"), rs.getString("patient_id"))).list();
            List<Swept> removed = new ArrayList<>();
            for (Swept s : due) {
                // Only if still there and expired (another node's sweep or a close may have been first): each removal recorded
                // once; its data goes by cascade.
                if (h.createUpdate("DELETE FROM patient_contexts WHERE session_id = :s AND patient_id = :p AND " + EXPIRED)
                        .bind("s", s.sessionId()).bind("p", s.patientId()).bind("now", now.toEpochMilli()).execute() == 1) {
                    removed.add(s);
                }
            }
            return removed;
        });
    }

    @Override
    public long countExpired(Instant now) {
        return db.call(h -> h.createQuery("SELECT COUNT(*) FROM patient_contexts WHERE " + EXPIRED).bind("now", now.toEpochMilli())
                .mapTo(Long.class).one());
    }

    @Override
    public java.util.Optional<java.util.Map<String, Long>> liveCounts(Instant now) {
        return java.util.Optional.of(db.call(h -> {
            java.util.Map<String, Long> counts = new java.util.LinkedHashMap<>();
            h.createQuery("SELECT s.tenant_id, COUNT(*) AS n FROM patient_contexts p JOIN sessions s ON s.id = p.session_id "
                            + "WHERE p.idle_expires_at > :now AND p.absolute_expires_at > :now AND s.revoked_at IS NULL "
                            + "GROUP BY s.tenant_id")
                    .bind("now", now.toEpochMilli())
                    .map((rs, ctx) -> java.util.Map.entry(rs.getString("tenant_id"), rs.getLong("n")))
                    .forEach(e -> counts.put(e.getKey(), e.getValue()));
            return counts;
        }));
    }

    @Override
    public long countAll() {
        return db.call(h -> h.createQuery("SELECT COUNT(*) FROM patient_contexts").mapTo(Long.class).one());
    }

    /**
     * The session's live contexts, oldest first, read on the caller's connection (validation's, after its touch): read
     * only — a context past its limits is left for the next patient call or the sweep, which remove and record it.
     */
    static List<PatientContext> liveOf(Connection c, String sessionId, Instant now) throws SQLException {
        // By the session alone (the primary key's prefix), times compared here: a range on an expiry column would
        // tempt the planner into that column's index, which spans every session's contexts.
        List<PatientContext> live = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM patient_contexts WHERE session_id = ? ORDER BY opened_at, patient_id")) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    PatientContext context = read(rs);
                    if (context.liveAt(now)) {
                        live.add(context);
                    }
                }
            }
        }
        return live;
    }

    private static PatientContext read(ResultSet rs) throws SQLException {
        return new PatientContext(rs.getString("session_id"), rs.getString("patient_id"),
                Instant.ofEpochMilli(rs.getLong("opened_at")), Instant.ofEpochMilli(rs.getLong("last_access_at")),
                Instant.ofEpochMilli(rs.getLong("idle_expires_at")), Instant.ofEpochMilli(rs.getLong("absolute_expires_at")),
                rs.getLong("accesses"), rs.getBoolean("break_glass"));
    }

    @Override
    public String toString() { return "SqlPatientStore[" + db + "]"; }
}
