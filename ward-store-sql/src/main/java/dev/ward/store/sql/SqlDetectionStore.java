package dev.ward.store.sql;

import dev.ward.detect.DetectionStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The detectors' counters and incidents (V21); times are epoch milliseconds of the injected clock. */
public final class SqlDetectionStore implements DetectionStore {
    private final SqlDatabase db;

    public SqlDetectionStore(SqlDatabase db) { this.db = db; }

    @Override
    public boolean addFailure(String tenant, Failure f) {
        // Only the node holding the detection lock writes here, so looking first and inserting after cannot race.
        return db.call(h -> {
            boolean known = h.createQuery("SELECT COUNT(*) FROM detect_failures WHERE tenant_id = :t AND seq = :s")
                    .bind("t", tenant).bind("s", f.seq()).mapTo(Long.class).one() > 0;
            if (!known) {
                h.createUpdate("INSERT INTO detect_failures (tenant_id, seq, at, user_id, ip, username_tag) "
                                + "VALUES (:t, :s, :at, :u, :ip, :tag)")
                        .bind("t", tenant).bind("s", f.seq()).bind("at", f.at().toEpochMilli()).bind("u", f.userId())
                        .bind("ip", f.ip()).bind("tag", f.usernameTag()).execute();
            }
            return !known;
        });
    }

    @Override
    public List<Failure> failuresOfUser(String tenant, String userId, Instant since) {
        return failures("user_id", tenant, userId, since);
    }

    @Override
    public List<Failure> failuresFromIp(String tenant, String ip, Instant since) {
        return failures("ip", tenant, ip, since);
    }

    private List<Failure> failures(String column, String tenant, String value, Instant since) {
        return db.call(h -> h.createQuery("SELECT seq, at, user_id, ip, username_tag FROM detect_failures "
                        + "WHERE tenant_id = :t AND " + column + " = :v AND at >= :since ORDER BY seq")
                .bind("t", tenant).bind("v", value).bind("since", since.toEpochMilli())
                .map((rs, ctx) -> new Failure(rs.getLong(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getString(3),
                        rs.getString(4), rs.getString(5)))
                .list());
    }

    @Override
    public Optional<Incident> incident(String tenant, String detector, String subject) {
        return db.call(h -> h.createQuery("SELECT alert_id, opened_at, last_at FROM detect_incidents "
                        + "WHERE tenant_id = :t AND detector = :d AND subject = :s")
                .bind("t", tenant).bind("d", detector).bind("s", subject)
                .map((rs, ctx) -> new Incident(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2)),
                        Instant.ofEpochMilli(rs.getLong(3))))
                .findOne());
    }

    @Override
    public void openIncident(String tenant, String detector, String subject, String alertId, Instant at) {
        db.run(h -> {
            int updated = h.createUpdate("UPDATE detect_incidents SET alert_id = :a, opened_at = :at, last_at = :at "
                            + "WHERE tenant_id = :t AND detector = :d AND subject = :s")
                    .bind("a", alertId).bind("at", at.toEpochMilli()).bind("t", tenant).bind("d", detector).bind("s", subject)
                    .execute();
            if (updated == 0) {
                h.createUpdate("INSERT INTO detect_incidents (tenant_id, detector, subject, alert_id, opened_at, last_at) "
                                + "VALUES (:t, :d, :s, :a, :at, :at)")
                        .bind("a", alertId).bind("at", at.toEpochMilli()).bind("t", tenant).bind("d", detector)
                        .bind("s", subject).execute();
            }
        });
    }

    @Override
    public void extendIncident(String tenant, String detector, String subject, Instant at) {
        db.run(h -> h.createUpdate("UPDATE detect_incidents SET last_at = :at "
                        + "WHERE tenant_id = :t AND detector = :d AND subject = :s AND last_at < :at")
                .bind("at", at.toEpochMilli()).bind("t", tenant).bind("d", detector).bind("s", subject).execute());
    }

    @Override
    public int prune(String tenant, Instant failuresBefore, Instant incidentsBefore) {
        return db.call(h -> h.createUpdate("DELETE FROM detect_failures WHERE tenant_id = :t AND at < :before")
                        .bind("t", tenant).bind("before", failuresBefore.toEpochMilli()).execute()
                + h.createUpdate("DELETE FROM detect_incidents WHERE tenant_id = :t AND last_at < :before")
                        .bind("t", tenant).bind("before", incidentsBefore.toEpochMilli()).execute());
    }
}
