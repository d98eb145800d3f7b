package dev.ward.store.sql;

import dev.ward.session.SessionIntents;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Session intents in the database, beside the audit trail they are deleted with. */
public final class SqlSessionIntents implements SessionIntents {
    private final SqlDatabase db;

    public SqlSessionIntents(SqlDatabase db) { this.db = db; }

    @Override
    public long begin(String kind, String tenant, String userId, Map<String, Object> payload, Instant now) {
        if (db.inTransactionHere()) {
            // Joined to an enclosing transaction, the intent would vanish with it if that rolled back after the Redis
            // change: exactly the change without a trace that intents exist to prevent.
            throw new IllegalStateException("a session change in Redis was begun inside a database transaction");
        }
        return db.call(h -> h.createUpdate("INSERT INTO session_intents (begun_at, kind, tenant_id, user_id, payload) "
                        + "VALUES (:at, :kind, :t, :u, :payload)")
                .bind("at", now.toEpochMilli()).bind("kind", kind).bind("t", tenant).bind("u", userId)
                .bind("payload", Json.write(payload))
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one());
    }

    @Override
    public boolean done(long id) {
        return db.call(h -> h.createUpdate("DELETE FROM session_intents WHERE id = :id AND claimed_at IS NULL").bind("id", id)
                .execute()) == 1;
    }

    @Override
    public boolean pending(long id) {
        // FOR UPDATE waits for a transaction still deleting the row (a COMMIT under way) to end, so the answer is final.
        return db.inTransaction(h -> h.createQuery("SELECT id FROM session_intents WHERE id = :id FOR UPDATE").bind("id", id)
                .mapTo(Long.class).findOne().isPresent());
    }

    @Override
    public void finish(long id, String claimant) {
        db.run(h -> h.createUpdate("DELETE FROM session_intents WHERE id = :id AND claimed_by = :by").bind("id", id)
                .bind("by", claimant).execute());
    }

    @Override
    public List<Intent> claimInterrupted(Instant before, Instant staleClaim, String claimant, int limit, Instant now) {
        List<Intent> candidates = db.call(h -> h.createQuery("SELECT * FROM session_intents WHERE begun_at < :before "
                        + "AND (claimed_at IS NULL OR claimed_at < :stale) ORDER BY id LIMIT :limit")
                .bind("before", before.toEpochMilli()).bind("stale", staleClaim.toEpochMilli()).bind("limit", limit)
                .map((rs, ctx) -> new Intent(rs.getLong("id"), Instant.ofEpochMilli(rs.getLong("begun_at")), rs.getString("kind"),
                        rs.getString("tenant_id"), rs.getString("user_id"), Json.read(rs.getString("payload"))))
                .list());
        List<Intent> claimed = new ArrayList<>();
        for (Intent i : candidates) {
            // Compare-and-set: of two nodes claiming one intent, one wins.
            int won = db.call(h -> h.createUpdate("UPDATE session_intents SET claimed_by = :by, claimed_at = :now WHERE id = :id "
                            + "AND (claimed_at IS NULL OR claimed_at < :stale)")
                    .bind("by", claimant).bind("now", now.toEpochMilli()).bind("id", i.id()).bind("stale", staleClaim.toEpochMilli())
                    .execute());
            if (won == 1) {
                claimed.add(i);
            }
        }
        return claimed;
    }
}
