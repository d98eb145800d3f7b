package dev.ward.store.sql;

import dev.ward.alert.Alert;
import dev.ward.alert.Delivery;
import dev.ward.alert.DeliveryAttempt;
import dev.ward.alert.DeliveryOutbox;
import dev.ward.crypto.Secrets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The alert outbox in {@code alert_deliveries} and {@code alert_delivery_attempts} (V18). A claim is a compare-and-set
 * UPDATE on a row that is due and not under another node's running lease: of nodes racing for one row, the database's
 * row lock lets one update it and the others then find the lease taken (PostgreSQL re-checks the WHERE after the
 * winner commits; H2 likewise), on H2 and PostgreSQL alike.
 */
public final class SqlDeliveryOutbox implements DeliveryOutbox {
    /** Candidates looked at per claim: enough that a few rows claimed by others meanwhile do not end the search. */
    private static final int CANDIDATES = 8;
    private final SqlDatabase db;

    public SqlDeliveryOutbox(SqlDatabase db) { this.db = db; }

    @Override
    public void enqueue(Alert alert, List<String> channels, Map<String, Object> payload, Instant at) {
        String body = Json.write(payload);
        db.run(h -> {
            for (String channel : channels) {
                h.createUpdate("INSERT INTO alert_deliveries (id, alert_id, tenant_id, channel, payload, status, attempts, "
                                + "next_attempt_at, created_at) VALUES (:id, :alert, :t, :channel, :payload, 'pending', 0, :at, :at)")
                        .bind("id", Secrets.newId("dlv_")).bind("alert", alert.id()).bind("t", alert.tenant())
                        .bind("channel", channel).bind("payload", body).bind("at", at.toEpochMilli()).execute();
            }
        });
    }

    @Override
    public Optional<Delivery> claimDue(Instant now, String node, Instant leaseUntil) {
        long t = now.toEpochMilli();
        List<String> due = db.call(h -> h.createQuery("SELECT id FROM alert_deliveries WHERE status = 'pending' "
                        + "AND next_attempt_at <= :now AND (claim_until IS NULL OR claim_until <= :now) "
                        + "ORDER BY next_attempt_at, id LIMIT :n")
                .bind("now", t).bind("n", CANDIDATES).mapTo(String.class).list());
        for (String id : due) {
            boolean claimed = db.call(h -> h.createUpdate("UPDATE alert_deliveries SET claimed_by = :node, claim_until = :until "
                            + "WHERE id = :id AND status = 'pending' AND next_attempt_at <= :now "
                            + "AND (claim_until IS NULL OR claim_until <= :now)")
                    .bind("node", node).bind("until", leaseUntil.toEpochMilli()).bind("id", id).bind("now", t).execute()) == 1;
            if (claimed) {
                return db.call(h -> h.createQuery("SELECT * FROM alert_deliveries WHERE id = :id").bind("id", id)
                        .map((rs, ctx) -> delivery(rs)).findOne());
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean finish(Delivery d, String node, DeliveryAttempt a, String status, Instant nextAttemptAt) {
        return db.inTransaction(h -> {
            int updated = h.createUpdate("UPDATE alert_deliveries SET status = :status, attempts = attempts + 1, "
                            + "next_attempt_at = :next, claimed_by = NULL, claim_until = NULL WHERE id = :id AND claimed_by = :node")
                    .bind("status", status).bind("next", nextAttemptAt.toEpochMilli()).bind("id", d.id()).bind("node", node)
                    .execute();
            if (updated != 1) {
                return false;
            }
            h.createUpdate("INSERT INTO alert_delivery_attempts (delivery_id, alert_id, channel, at, outcome, status_code, error) "
                            + "VALUES (:d, :alert, :channel, :at, :outcome, :code, :error)")
                    .bind("d", d.id()).bind("alert", a.alertId()).bind("channel", a.channel()).bind("at", a.at().toEpochMilli())
                    .bind("outcome", a.outcome()).bind("code", a.statusCode()).bind("error", a.error()).execute();
            return true;
        });
    }

    @Override
    public List<DeliveryAttempt> attempts(String alertId) {
        return db.call(h -> h.createQuery("SELECT * FROM alert_delivery_attempts WHERE alert_id = :a ORDER BY id")
                .bind("a", alertId).map((rs, ctx) -> {
                    int code = rs.getInt("status_code");
                    Integer statusCode = rs.wasNull() ? null : code;
                    return new DeliveryAttempt(rs.getString("alert_id"), rs.getString("channel"),
                            Instant.ofEpochMilli(rs.getLong("at")), rs.getString("outcome"), statusCode, rs.getString("error"));
                }).list());
    }

    @Override
    public List<Delivery> deliveries(String alertId) {
        return db.call(h -> h.createQuery("SELECT * FROM alert_deliveries WHERE alert_id = :a ORDER BY channel")
                .bind("a", alertId).map((rs, ctx) -> delivery(rs)).list());
    }

    private static Delivery delivery(ResultSet rs) throws SQLException {
        return new Delivery(rs.getString("id"), rs.getString("alert_id"), rs.getString("tenant_id"), rs.getString("channel"),
                rs.getString("payload"), rs.getString("status"), rs.getInt("attempts"),
                Instant.ofEpochMilli(rs.getLong("next_attempt_at")), Instant.ofEpochMilli(rs.getLong("created_at")));
    }
}
