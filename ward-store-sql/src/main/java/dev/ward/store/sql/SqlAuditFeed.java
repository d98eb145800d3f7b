package dev.ward.store.sql;

import dev.ward.audit.AuditEvent;
import dev.ward.audit.AuditFeed;
import java.util.List;

/** The trail in seq order per tenant, over the {@code audit_events_by_tenant (tenant_id, seq)} index. */
public final class SqlAuditFeed implements AuditFeed {
    private final SqlDatabase db;

    public SqlAuditFeed(SqlDatabase db) { this.db = db; }

    @Override
    public List<String> tenants() {
        return db.call(h -> h.createQuery("SELECT id FROM tenants ORDER BY id").mapTo(String.class).list());
    }

    @Override
    public List<Entry> after(String tenant, long seq, int limit) {
        return db.call(h -> h.createQuery("SELECT * FROM audit_events WHERE tenant_id = :t AND seq > :seq ORDER BY seq LIMIT :limit")
                .bind("t", tenant).bind("seq", seq).bind("limit", limit)
                .map((rs, ctx) -> new Entry(new AuditEvent(rs.getLong("seq"), Columns.instant(rs, "at"), rs.getString("tenant_id"),
                        rs.getString("type"), rs.getString("outcome"), rs.getString("actor"), rs.getString("user_id"),
                        rs.getString("session_id"), rs.getString("patient_id"), rs.getString("ip"),
                        Json.read(rs.getString("details"))), rs.getString("hash")))
                .list());
    }

    @Override
    public long countAfter(String tenant, long seq) {
        return db.call(h -> h.createQuery("SELECT COUNT(*) FROM audit_events WHERE tenant_id = :t AND seq > :seq")
                .bind("t", tenant).bind("seq", seq).mapTo(Long.class).one());
    }
}
