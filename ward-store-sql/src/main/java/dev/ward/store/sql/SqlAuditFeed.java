package dev.ward.store.sql;

import dev.ward.audit.AuditEvent;
import dev.ward.audit.AuditFeed;
import java.util.List;

/** The trail in chain order per tenant, over the {@code audit_events_chain (tenant_id, chain_seq)} index. */
public final class SqlAuditFeed implements AuditFeed {
    private final SqlDatabase db;

    public SqlAuditFeed(SqlDatabase db) { this.db = db; }

    @Override
    public List<String> tenants() {
        return db.call(h -> h.createQuery("SELECT tenant_id FROM audit_heads ORDER BY tenant_id").mapTo(String.class).list());
    }

    @Override
    public List<Entry> after(String tenant, long seq, int limit) {
        return db.call(h -> h.createQuery("SELECT * FROM audit_events WHERE tenant_id = :t AND chain_seq > :seq "
                        + "ORDER BY chain_seq LIMIT :limit")
                .bind("t", tenant).bind("seq", seq).bind("limit", limit)
                .map((rs, ctx) -> {
                    AuditEvent e = SqlAuditStore.event(rs);
                    return new Entry(e, e.hash());
                })
                .list());
    }

    @Override
    public long countAfter(String tenant, long seq) {
        return db.call(h -> h.createQuery("SELECT COUNT(*) FROM audit_events WHERE tenant_id = :t AND chain_seq > :seq")
                .bind("t", tenant).bind("seq", seq).mapTo(Long.class).one());
    }
}
