package dev.ward.store.sql;

import dev.ward.session.AttributeStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

public final class SqlAttributeStore implements AttributeStore {
    private final SqlDatabase db;

    public SqlAttributeStore(SqlDatabase db) { this.db = db; }

    @Override
    public Optional<String> get(String sessionId, String name) {
        return db.call(h -> h.createQuery("SELECT sealed_value FROM session_attributes WHERE session_id = :s AND name = :n")
                .bind("s", sessionId).bind("n", name).mapTo(String.class).findOne());
    }

    @Override
    public boolean put(String sessionId, String name, String sealed, Instant now, int maxCount) {
        return db.inTransaction(h -> {
            // The session row is the lock that makes count-then-insert atomic across parallel requests and nodes.
            h.createQuery("SELECT id FROM sessions WHERE id = :s FOR UPDATE").bind("s", sessionId).mapTo(String.class).findOne();
            int updated = h.createUpdate("UPDATE session_attributes SET sealed_value = :v, updated_at = :now WHERE session_id = :s AND name = :n")
                    .bind("v", sealed).bind("now", now.toEpochMilli()).bind("s", sessionId).bind("n", name).execute();
            if (updated == 1) {
                return true;
            }
            int count = h.createQuery("SELECT COUNT(*) FROM session_attributes WHERE session_id = :s").bind("s", sessionId)
                    .mapTo(Integer.class).one();
            if (count >= maxCount) {
                return false;
            }
            h.createUpdate("INSERT INTO session_attributes (session_id, name, sealed_value, updated_at) VALUES (:s, :n, :v, :now)")
                    .bind("s", sessionId).bind("n", name).bind("v", sealed).bind("now", now.toEpochMilli()).execute();
            return true;
        });
    }

    @Override
    public boolean delete(String sessionId, String name) {
        return db.call(h -> h.createUpdate("DELETE FROM session_attributes WHERE session_id = :s AND name = :n")
                .bind("s", sessionId).bind("n", name).execute()) == 1;
    }

    @Override
    public long countOfTenant(String tenant) {
        return db.call(h -> h.createQuery("SELECT COUNT(*) FROM session_attributes a JOIN sessions s ON s.id = a.session_id "
                + "WHERE s.tenant_id = :t").bind("t", tenant).mapTo(Long.class).one());
    }

    @Override
    public long countOfTenantStartingWith(String tenant, String sealedPrefix) {
        return db.call(h -> h.createQuery("SELECT COUNT(*) FROM session_attributes a JOIN sessions s ON s.id = a.session_id "
                + "WHERE s.tenant_id = :t AND LEFT(a.sealed_value, :n) = :p")
                .bind("t", tenant).bind("n", sealedPrefix.length()).bind("p", sealedPrefix).mapTo(Long.class).one());
    }

    @Override
    public List<Stored> pageOfTenant(String tenant, String afterSessionId, String afterName, int limit) {
        return db.call(h -> h.createQuery("SELECT a.session_id, a.name, a.sealed_value FROM session_attributes a "
                        + "JOIN sessions s ON s.id = a.session_id WHERE s.tenant_id = :t "
                        + "AND (a.session_id > :sid OR (a.session_id = :sid AND a.name > :n)) ORDER BY a.session_id, a.name LIMIT :limit")
                .bind("t", tenant).bind("sid", afterSessionId).bind("n", afterName).bind("limit", limit)
                .map((rs, ctx) -> new Stored(rs.getString("session_id"), rs.getString("name"), rs.getString("sealed_value")))
                .list());
    }

    @Override
    public boolean replaceIfUnchanged(String sessionId, String name, String expectedSealed, String newSealed) {
        return db.call(h -> h.createUpdate("UPDATE session_attributes SET sealed_value = :v "
                        + "WHERE session_id = :s AND name = :n AND sealed_value = :old")
                .bind("v", newSealed).bind("s", sessionId).bind("n", name).bind("old", expectedSealed).execute()) == 1;
    }
}
