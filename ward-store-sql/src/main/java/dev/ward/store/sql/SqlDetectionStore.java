package dev.ward.store.sql;

import dev.ward.detect.DetectionStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The detectors' counters, last located logins and incidents (V21, V22); times are epoch milliseconds of the injected clock. */
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
    public boolean addMark(String tenant, String detector, Mark m) {
        // As addFailure: only the lock holder writes, so looking first cannot race.
        return db.call(h -> {
            boolean known = h.createQuery("SELECT COUNT(*) FROM detect_marks WHERE tenant_id = :t AND seq = :s AND detector = :d")
                    .bind("t", tenant).bind("s", m.seq()).bind("d", detector).mapTo(Long.class).one() > 0;
            if (!known) {
                h.createUpdate("INSERT INTO detect_marks (tenant_id, seq, detector, subject, at, item, other, amount) "
                                + "VALUES (:t, :s, :d, :subject, :at, :item, :other, :amount)")
                        .bind("t", tenant).bind("s", m.seq()).bind("d", detector).bind("subject", m.subject())
                        .bind("at", m.at().toEpochMilli()).bind("item", m.item()).bind("other", m.other())
                        .bind("amount", m.amount()).execute();
            }
            return !known;
        });
    }

    @Override
    public Tally tally(String tenant, String detector, String subject, Instant since) {
        // Counted by the database: a heavy reader's window may hold thousands of marks, and only the alert needs seqs.
        return db.call(h -> h.createQuery("SELECT COUNT(*), COUNT(DISTINCT item), COALESCE(SUM(amount), 0) FROM detect_marks "
                        + "WHERE tenant_id = :t AND detector = :d AND subject = :s AND at >= :since")
                .bind("t", tenant).bind("d", detector).bind("s", subject).bind("since", since.toEpochMilli())
                .map((rs, ctx) -> new Tally(rs.getInt(1), rs.getInt(2), rs.getLong(3))).one());
    }

    @Override
    public List<ItemTally> tallyByItem(String tenant, String detector, String subject, Instant since) {
        return db.call(h -> h.createQuery("SELECT item, COUNT(*), COALESCE(SUM(amount), 0) FROM detect_marks "
                        + "WHERE tenant_id = :t AND detector = :d AND subject = :s AND at >= :since GROUP BY item")
                .bind("t", tenant).bind("d", detector).bind("s", subject).bind("since", since.toEpochMilli())
                .map((rs, ctx) -> new ItemTally(rs.getString(1), rs.getInt(2), rs.getLong(3))).list());
    }

    @Override
    public List<Mark> marksBetween(String tenant, String detector, String subject, Instant from, Instant to) {
        return db.call(h -> h.createQuery("SELECT seq, at, subject, item, other, amount FROM detect_marks "
                        + "WHERE tenant_id = :t AND detector = :d AND subject = :s AND at >= :from AND at < :to")
                .bind("t", tenant).bind("d", detector).bind("s", subject).bind("from", from.toEpochMilli())
                .bind("to", to.toEpochMilli())
                .map((rs, ctx) -> new Mark(rs.getLong(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getLong(6)))
                .list());
    }

    @Override
    public List<Long> markSeqs(String tenant, String detector, String subject, Instant since, int limit) {
        List<Long> newestFirst = db.call(h -> h.createQuery("SELECT seq FROM detect_marks "
                        + "WHERE tenant_id = :t AND detector = :d AND subject = :s AND at >= :since ORDER BY seq DESC LIMIT :n")
                .bind("t", tenant).bind("d", detector).bind("s", subject).bind("since", since.toEpochMilli()).bind("n", limit)
                .mapTo(Long.class).list());
        return newestFirst.reversed();
    }

    @Override
    public List<Mark> marksLeaving(String tenant, String detector, String subject, String other, Instant since) {
        return db.call(h -> h.createQuery("SELECT seq, at, subject, item, other, amount FROM detect_marks "
                        + "WHERE tenant_id = :t AND detector = :d AND subject = :s AND other = :o AND at >= :since ORDER BY seq")
                .bind("t", tenant).bind("d", detector).bind("s", subject).bind("o", other).bind("since", since.toEpochMilli())
                .map((rs, ctx) -> new Mark(rs.getLong(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getLong(6)))
                .list());
    }

    @Override
    public Optional<LocatedLogin> lastLogin(String tenant, String userId) {
        return db.call(h -> h.createQuery("SELECT seq, at, latitude, longitude, country, city FROM detect_last_login "
                        + "WHERE tenant_id = :t AND user_id = :u")
                .bind("t", tenant).bind("u", userId)
                .map((rs, ctx) -> new LocatedLogin(rs.getLong(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getDouble(3),
                        rs.getDouble(4), rs.getString(5), rs.getString(6)))
                .findOne());
    }

    @Override
    public void setLastLogin(String tenant, String userId, LocatedLogin l) {
        db.run(h -> {
            int updated = h.createUpdate("UPDATE detect_last_login SET seq = :s, at = :at, latitude = :lat, longitude = :lon, "
                            + "country = :c, city = :city WHERE tenant_id = :t AND user_id = :u")
                    .bind("s", l.seq()).bind("at", l.at().toEpochMilli()).bind("lat", l.latitude()).bind("lon", l.longitude())
                    .bind("c", l.country()).bind("city", l.city()).bind("t", tenant).bind("u", userId).execute();
            if (updated == 0) {
                h.createUpdate("INSERT INTO detect_last_login (tenant_id, user_id, seq, at, latitude, longitude, country, city) "
                                + "VALUES (:t, :u, :s, :at, :lat, :lon, :c, :city)")
                        .bind("s", l.seq()).bind("at", l.at().toEpochMilli()).bind("lat", l.latitude()).bind("lon", l.longitude())
                        .bind("c", l.country()).bind("city", l.city()).bind("t", tenant).bind("u", userId).execute();
            }
        });
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
    public int incidentsOpenedSince(String tenant, String detector, Instant since) {
        return db.call(h -> h.createQuery("SELECT COUNT(*) FROM detect_incidents WHERE tenant_id = :t AND detector = :d "
                        + "AND opened_at >= :since")
                .bind("t", tenant).bind("d", detector).bind("since", since.toEpochMilli()).mapTo(Integer.class).one());
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
                + h.createUpdate("DELETE FROM detect_marks WHERE tenant_id = :t AND at < :before")
                        .bind("t", tenant).bind("before", failuresBefore.toEpochMilli()).execute()
                + h.createUpdate("DELETE FROM detect_incidents WHERE tenant_id = :t AND last_at < :before")
                        .bind("t", tenant).bind("before", incidentsBefore.toEpochMilli()).execute());
    }
}
