package dev.ward.store.sql;

import dev.ward.patient.BreakGlass;
import dev.ward.patient.Restriction;
import dev.ward.patient.RestrictionStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Restricted patients and the break-glass review queue (V15); every write joins the caller's transaction. */
public final class SqlRestrictionStore implements RestrictionStore {
    private final SqlDatabase db;

    public SqlRestrictionStore(SqlDatabase db) { this.db = db; }

    @Override
    public Optional<Restriction> find(String tenant, String patientId) {
        return db.call(h -> h.createQuery("SELECT * FROM restricted_patients WHERE tenant_id = :t AND patient_id = :p")
                .bind("t", tenant).bind("p", patientId)
                .map((rs, ctx) -> new Restriction(rs.getString("tenant_id"), rs.getString("patient_id"),
                        Columns.split(rs.getString("care_team")), Instant.ofEpochMilli(rs.getLong("updated_at")),
                        rs.getString("updated_by"))).findOne());
    }

    @Override
    public void put(Restriction r) {
        db.run(h -> {
            h.createUpdate("DELETE FROM restricted_patients WHERE tenant_id = :t AND patient_id = :p")
                    .bind("t", r.tenant()).bind("p", r.patientId()).execute();
            h.createUpdate("INSERT INTO restricted_patients (tenant_id, patient_id, care_team, updated_at, updated_by) "
                            + "VALUES (:t, :p, :c, :at, :by)")
                    .bind("t", r.tenant()).bind("p", r.patientId()).bind("c", Columns.joined(r.careTeam()))
                    .bind("at", r.updatedAt().toEpochMilli()).bind("by", r.updatedBy()).execute();
        });
    }

    @Override
    public boolean delete(String tenant, String patientId) {
        return db.call(h -> h.createUpdate("DELETE FROM restricted_patients WHERE tenant_id = :t AND patient_id = :p")
                .bind("t", tenant).bind("p", patientId).execute()) == 1;
    }

    @Override
    public void insert(BreakGlass b) {
        db.run(h -> h.createUpdate("INSERT INTO break_glass (id, tenant_id, user_id, username, session_id, patient_id, reason, "
                        + "reason_code, opened_at, expires_at, status) VALUES (:id, :t, :u, :un, :s, :p, :r, :rc, :o, :e, :st)")
                .bind("id", b.id()).bind("t", b.tenant()).bind("u", b.userId()).bind("un", b.username()).bind("s", b.sessionId())
                .bind("p", b.patientId()).bind("r", b.reason()).bind("rc", b.reasonCode()).bind("o", b.openedAt().toEpochMilli())
                .bind("e", b.expiresAt().toEpochMilli()).bind("st", b.status()).execute());
    }

    @Override
    public Optional<BreakGlass> findBreakGlass(String id) {
        return db.call(h -> h.createQuery("SELECT * FROM break_glass WHERE id = :id").bind("id", id)
                .map((rs, ctx) -> breakGlass(rs)).findOne());
    }

    @Override
    public List<BreakGlass> list(String tenant, String status, int limit) {
        return db.call(h -> h.createQuery("SELECT * FROM break_glass WHERE (CAST(:t AS VARCHAR) IS NULL OR tenant_id = :t) "
                        + "AND (CAST(:st AS VARCHAR) IS NULL OR status = :st) ORDER BY opened_at DESC, id LIMIT :limit")
                .bind("t", tenant).bind("st", status).bind("limit", limit).map((rs, ctx) -> breakGlass(rs)).list());
    }

    @Override
    public boolean review(String id, boolean justified, String note, String by, Instant at) {
        return db.call(h -> h.createUpdate("UPDATE break_glass SET status = 'reviewed', justified = :j, note = :n, "
                        + "reviewed_by = :by, reviewed_at = :at WHERE id = :id AND status = 'open'")
                .bind("j", justified).bind("n", note).bind("by", by).bind("at", at.toEpochMilli()).bind("id", id).execute()) == 1;
    }

    @Override
    public List<BreakGlass> unended(int limit) {
        return db.call(h -> h.createQuery("SELECT * FROM break_glass WHERE ended_at IS NULL ORDER BY expires_at, id LIMIT :limit")
                .bind("limit", limit).map((rs, ctx) -> breakGlass(rs)).list());
    }

    @Override
    public List<BreakGlass> unendedOf(String sessionId, String patientId) {
        return db.call(h -> h.createQuery("SELECT * FROM break_glass WHERE session_id = :s "
                        + "AND (CAST(:p AS VARCHAR) IS NULL OR patient_id = :p) AND ended_at IS NULL ORDER BY opened_at, id")
                .bind("s", sessionId).bind("p", patientId).map((rs, ctx) -> breakGlass(rs)).list());
    }

    @Override
    public boolean markEnded(String id, String endedBy, Instant at) {
        return db.call(h -> h.createUpdate("UPDATE break_glass SET ended_at = :at, ended_by = :by WHERE id = :id AND ended_at IS NULL")
                .bind("at", at.toEpochMilli()).bind("by", endedBy).bind("id", id).execute()) == 1;
    }

    @Override
    public long readsUnder(BreakGlass b) {
        return db.call(h -> h.createQuery("SELECT COUNT(*) FROM audit_events WHERE tenant_id = :t AND type = 'patient.data_read' "
                        + "AND session_id = :s AND patient_id = :p AND at >= :from AND at <= :to")
                .bind("t", b.tenant()).bind("s", b.sessionId()).bind("p", b.patientId())
                .bind("from", Columns.timestamp(b.openedAt())).bind("to", Columns.timestamp(b.expiresAt()))
                .mapTo(Long.class).one());
    }

    private static BreakGlass breakGlass(ResultSet rs) throws SQLException {
        long reviewed = rs.getLong("reviewed_at");
        boolean reviewedNull = rs.wasNull();
        Boolean justified = rs.getBoolean("justified");
        if (rs.wasNull()) {
            justified = null;
        }
        return new BreakGlass(rs.getString("id"), rs.getString("tenant_id"), rs.getString("user_id"), rs.getString("username"),
                rs.getString("session_id"), rs.getString("patient_id"), rs.getString("reason"), rs.getString("reason_code"),
                Instant.ofEpochMilli(rs.getLong("opened_at")), Instant.ofEpochMilli(rs.getLong("expires_at")),
                rs.getString("status"), reviewedNull ? null : Instant.ofEpochMilli(reviewed), rs.getString("reviewed_by"),
                justified, rs.getString("note"));
    }
}
