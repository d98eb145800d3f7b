package dev.ward.store.sql;

import dev.ward.alert.Alert;
import dev.ward.alert.AlertStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The alerts list (V15); an insert joins the transaction of what raised it. */
public final class SqlAlertStore implements AlertStore {
    private final SqlDatabase db;

    public SqlAlertStore(SqlDatabase db) { this.db = db; }

    @Override
    public void insert(Alert a) {
        db.run(h -> h.createUpdate("INSERT INTO alerts (id, tenant_id, at, type, severity, status, subject, details) "
                        + "VALUES (:id, :t, :at, :type, :sev, :st, :subj, :d)")
                .bind("id", a.id()).bind("t", a.tenant()).bind("at", a.at().toEpochMilli()).bind("type", a.type())
                .bind("sev", a.severity()).bind("st", a.status()).bind("subj", Json.write(a.subject()))
                .bind("d", Json.write(a.details())).execute());
    }

    @Override
    public List<Alert> list(String tenant, String status, int limit) {
        return db.call(h -> h.createQuery("SELECT * FROM alerts WHERE (CAST(:t AS VARCHAR) IS NULL OR tenant_id = :t) "
                        + "AND (CAST(:st AS VARCHAR) IS NULL OR status = :st) ORDER BY at DESC, id LIMIT :limit")
                .bind("t", tenant).bind("st", status).bind("limit", limit).map((rs, ctx) -> alert(rs)).list());
    }

    @Override
    public int deleteRaisedBefore(String tenant, Instant cutoff, int limit) {
        return db.call(h -> {
            List<String> ids = h.createQuery("SELECT id FROM alerts a WHERE tenant_id = :t AND at < :cutoff AND NOT EXISTS "
                            + "(SELECT 1 FROM alert_deliveries d WHERE d.alert_id = a.id AND d.status = 'pending') ORDER BY at LIMIT :n")
                    .bind("t", tenant).bind("cutoff", cutoff.toEpochMilli()).bind("n", limit).mapTo(String.class).list();
            if (ids.isEmpty()) {
                return 0;
            }
            h.createUpdate("DELETE FROM alert_delivery_attempts WHERE alert_id IN (<ids>)").bindList("ids", ids).execute();
            h.createUpdate("DELETE FROM alert_deliveries WHERE alert_id IN (<ids>)").bindList("ids", ids).execute();
            return h.createUpdate("DELETE FROM alerts WHERE id IN (<ids>)").bindList("ids", ids).execute();
        });
    }

    @Override
    public Optional<Alert> find(String id) {
        return db.call(h -> h.createQuery("SELECT * FROM alerts WHERE id = :id").bind("id", id).map((rs, ctx) -> alert(rs)).findOne());
    }

    @Override
    public boolean acknowledge(String id, String by, Instant at) {
        return db.call(h -> h.createUpdate("UPDATE alerts SET status = 'acknowledged', acknowledged_by = :by, acknowledged_at = :at "
                + "WHERE id = :id AND status = 'open'").bind("by", by).bind("at", at.toEpochMilli()).bind("id", id).execute()) == 1;
    }

    private static Alert alert(ResultSet rs) throws SQLException {
        return new Alert(rs.getString("id"), rs.getString("tenant_id"), Instant.ofEpochMilli(rs.getLong("at")), rs.getString("type"),
                rs.getString("severity"), rs.getString("status"), Json.read(rs.getString("subject")), Json.read(rs.getString("details")));
    }
}
