package dev.ward.store.sql;

import dev.ward.audit.ForwardingOutbox;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongUnaryOperator;
import org.jdbi.v3.core.statement.StatementException;

/**
 * Forwarding positions in {@code audit_forwarding}. Each step is one transaction that first locks the single
 * row of {@code audit_forwarding_lock} without waiting ({@code FOR UPDATE NOWAIT}): a node that finds it locked
 * skips its turn, so one node forwards at a time, and a node that dies mid-step releases it with its connection.
 * The position is read and written under the same lock, so no two nodes ever send the same events at once.
 */
public final class SqlForwardingOutbox implements ForwardingOutbox {
    private final SqlDatabase db;
    private final Clock clock;
    private final String positions;
    private final String lock;

    /** The ATNA forwarder's positions ({@code audit_forwarding}, V9). */
    public SqlForwardingOutbox(SqlDatabase db, Clock clock) {
        this(db, clock, "audit_forwarding", "audit_forwarding_lock");
    }

    /** The detectors' positions ({@code detect_positions}, V21): the same protocol, a lock of their own. */
    public static SqlForwardingOutbox forDetectors(SqlDatabase db, Clock clock) {
        return new SqlForwardingOutbox(db, clock, "detect_positions", "detect_lock");
    }

    private SqlForwardingOutbox(SqlDatabase db, Clock clock, String positions, String lock) {
        this.db = db;
        this.clock = clock;
        this.positions = positions;
        this.lock = lock;
    }

    @Override
    public boolean step(String tenant, LongUnaryOperator send) {
        return db.inTransaction(h -> {
            try {
                h.createQuery("SELECT id FROM " + lock + " WHERE id = 1 FOR UPDATE NOWAIT").mapTo(Integer.class).one();
            } catch (StatementException e) {
                if (isLockNotAvailable(e)) {
                    return false;
                }
                throw e;
            }
            long position = h.createQuery("SELECT last_seq FROM " + positions + " WHERE tenant_id = :t")
                    .bind("t", tenant).mapTo(Long.class).findOne().orElse(0L);
            long next = send.applyAsLong(position);
            if (next != position) {
                int updated = h.createUpdate("UPDATE " + positions + " SET last_seq = :s, updated_at = :now WHERE tenant_id = :t")
                        .bind("s", next).bind("now", Columns.timestamp(clock.instant())).bind("t", tenant).execute();
                if (updated == 0) {
                    h.createUpdate("INSERT INTO " + positions + " (tenant_id, last_seq, updated_at) VALUES (:t, :s, :now)")
                            .bind("t", tenant).bind("s", next).bind("now", Columns.timestamp(clock.instant())).execute();
                }
            }
            return true;
        });
    }

    @Override
    public Map<String, Long> positions() {
        Map<String, Long> all = new LinkedHashMap<>();
        db.call(h -> h.createQuery("SELECT tenant_id, last_seq FROM " + positions + " ORDER BY tenant_id")
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2))).list())
                .forEach(e -> all.put(e.getKey(), e.getValue()));
        return all;
    }

    /** PostgreSQL's 55P03 lock_not_available; H2's 50200 lock timeout (its NOWAIT). */
    private static boolean isLockNotAvailable(StatementException e) {
        return e.getCause() instanceof java.sql.SQLException sql
                && ("55P03".equals(sql.getSQLState()) || "HYT00".equals(sql.getSQLState()) || sql.getErrorCode() == 50200);
    }
}
