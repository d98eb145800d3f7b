package dev.ward.store.sql;

import dev.ward.audit.AuditEvent;
import dev.ward.audit.AuditQuery;
import dev.ward.audit.AuditReader;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.statement.Query;

/**
 * Search and export pages over the indexes of V10 (and V16): each filter is a column of an index that starts with
 * {@code tenant_id} and ends with {@code chain_seq}, so a page is a short backward walk of one index. The SQL is built
 * with only the filters given: a {@code (:x IS NULL OR col = :x)} form would leave PostgreSQL a plan that cannot use
 * any of them.
 */
public final class SqlAuditReader implements AuditReader {
    private final SqlDatabase db;

    public SqlAuditReader(SqlDatabase db) { this.db = db; }

    @Override
    public List<AuditEvent> search(AuditQuery q) {
        StringBuilder sql = new StringBuilder("SELECT * FROM audit_events WHERE tenant_id = :t");
        if (q.userId() != null) {
            sql.append(" AND user_id = :uid");
        }
        if (q.patientId() != null) {
            sql.append(" AND patient_id = :pid");
        }
        if (q.type() != null) {
            sql.append(" AND type = :type");
        }
        window(sql, q.from(), q.to());
        if (q.beforeSeq() > 0) {
            sql.append(" AND chain_seq < :before");
        }
        sql.append(" ORDER BY chain_seq DESC LIMIT :limit");
        return db.call(h -> {
            Query query = h.createQuery(sql.toString()).bind("t", q.tenant()).bind("limit", q.limit());
            if (q.userId() != null) {
                query.bind("uid", q.userId());
            }
            if (q.patientId() != null) {
                query.bind("pid", q.patientId());
            }
            if (q.type() != null) {
                query.bind("type", q.type());
            }
            bindWindow(query, q.from(), q.to());
            if (q.beforeSeq() > 0) {
                query.bind("before", q.beforeSeq());
            }
            return query.map((rs, ctx) -> SqlAuditStore.event(rs)).list();
        });
    }

    @Override
    public List<AuditEvent> page(String tenant, Instant from, Instant to, long afterSeq, int limit) {
        StringBuilder sql = new StringBuilder("SELECT * FROM audit_events WHERE tenant_id = :t AND chain_seq > :after");
        window(sql, from, to);
        sql.append(" ORDER BY chain_seq LIMIT :limit");
        return db.call(h -> {
            Query query = h.createQuery(sql.toString()).bind("t", tenant).bind("after", afterSeq).bind("limit", limit);
            bindWindow(query, from, to);
            return query.map((rs, ctx) -> SqlAuditStore.event(rs)).list();
        });
    }

    @Override
    public List<AuditEvent> patientPage(String tenant, String patientId, Instant from, Instant to, long afterSeq, long beforeSeq,
                                        int limit) {
        StringBuilder sql = new StringBuilder("SELECT * FROM audit_events WHERE tenant_id = :t AND patient_id = :pid "
                + "AND chain_seq > :after AND chain_seq < :before");
        window(sql, from, to);
        sql.append(" ORDER BY chain_seq LIMIT :limit");
        return db.call(h -> {
            Query query = h.createQuery(sql.toString()).bind("t", tenant).bind("pid", patientId).bind("after", afterSeq)
                    .bind("before", beforeSeq).bind("limit", limit);
            bindWindow(query, from, to);
            return query.map((rs, ctx) -> SqlAuditStore.event(rs)).list();
        });
    }

    @Override
    public long count(String tenant, Instant from, Instant to) {
        StringBuilder sql = new StringBuilder("SELECT COUNT(*) FROM audit_events WHERE tenant_id = :t");
        window(sql, from, to);
        return db.call(h -> {
            Query query = h.createQuery(sql.toString()).bind("t", tenant);
            bindWindow(query, from, to);
            return query.mapTo(Long.class).one();
        });
    }

    /**
     * The tenant's distinct types by a loose index scan of {@code audit_events_by_type}: one index probe per type
     * (a few dozen), where {@code SELECT DISTINCT} would read every event.
     */
    @Override
    public List<String> types(String tenant) {
        return db.call(h -> h.createQuery("WITH RECURSIVE types (type) AS ("
                        + "SELECT MIN(type) FROM audit_events WHERE tenant_id = :t "
                        + "UNION ALL SELECT (SELECT MIN(e.type) FROM audit_events e WHERE e.tenant_id = :t AND e.type > types.type) "
                        + "FROM types WHERE types.type IS NOT NULL) "
                        + "SELECT type FROM types WHERE type IS NOT NULL ORDER BY type")
                .bind("t", tenant).mapTo(String.class).list());
    }

    private static void window(StringBuilder sql, Instant from, Instant to) {
        if (from != null) {
            sql.append(" AND at >= :from");
        }
        if (to != null) {
            sql.append(" AND at < :to");
        }
    }

    private static void bindWindow(Query query, Instant from, Instant to) {
        if (from != null) {
            query.bind("from", Columns.timestamp(from));
        }
        if (to != null) {
            query.bind("to", Columns.timestamp(to));
        }
    }
}
