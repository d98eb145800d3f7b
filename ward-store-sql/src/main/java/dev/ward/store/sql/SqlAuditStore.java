package dev.ward.store.sql;

import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditEvent;
import dev.ward.audit.AuditStore;
import java.time.Instant;
import java.util.List;

public final class SqlAuditStore implements AuditStore {
    private final SqlDatabase db;

    public SqlAuditStore(SqlDatabase db) { this.db = db; }

    @Override
    public long append(Instant at, AuditEntry e) {
        return db.call(h -> h.createUpdate("INSERT INTO audit_events (at, tenant_id, type, outcome, actor, user_id, session_id, "
                        + "patient_id, ip, details) VALUES (:at, :t, :type, :outcome, :actor, :uid, :sid, :pid, :ip, :details)")
                .bind("at", Columns.timestamp(at)).bind("t", e.tenant()).bind("type", e.type()).bind("outcome", e.outcome())
                .bind("actor", e.actor()).bind("uid", e.userId()).bind("sid", e.sessionId()).bind("pid", e.patientId())
                .bind("ip", e.ip()).bind("details", Json.write(e.details()))
                .executeAndReturnGeneratedKeys("seq").mapTo(Long.class).one());
    }

    @Override
    public List<AuditEvent> recent(String tenant, String type, int limit) {
        return db.call(h -> h.createQuery("SELECT * FROM audit_events WHERE (:t IS NULL OR tenant_id = :t) "
                        + "AND (:type IS NULL OR type = :type) ORDER BY seq DESC LIMIT :limit")
                .bind("t", tenant).bind("type", type).bind("limit", limit)
                .map((rs, ctx) -> new AuditEvent(rs.getLong("seq"), Columns.instant(rs, "at"), rs.getString("tenant_id"),
                        rs.getString("type"), rs.getString("outcome"), rs.getString("actor"), rs.getString("user_id"),
                        rs.getString("session_id"), rs.getString("patient_id"), rs.getString("ip"),
                        Json.read(rs.getString("details"))))
                .list());
    }
}
