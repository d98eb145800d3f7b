package dev.ward.store.sql;

import dev.ward.user.UserAttributeStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** User-scope attributes (V15), deleted with their user (cascade). */
public final class SqlUserAttributeStore implements UserAttributeStore {
    private final SqlDatabase db;

    public SqlUserAttributeStore(SqlDatabase db) { this.db = db; }

    @Override
    public Optional<String> get(String tenant, String userId, String name) {
        return db.call(h -> h.createQuery("SELECT sealed_value FROM user_attributes WHERE tenant_id = :t AND user_id = :u AND name = :n")
                .bind("t", tenant).bind("u", userId).bind("n", name).mapTo(String.class).findOne());
    }

    @Override
    public boolean put(String tenant, String userId, String name, String sealed, Instant now, int maxCount) {
        return db.inTransaction(h -> {
            // The user's row is the lock that makes count-then-insert atomic across parallel requests and nodes.
            if (h.createQuery("SELECT id FROM users WHERE tenant_id = :t AND id = :u FOR UPDATE").bind("t", tenant).bind("u", userId)
                    .mapTo(String.class).findOne().isEmpty()) {
                throw dev.ward.problem.ProblemException.notFound("user_not_found", "The session's user no longer exists.");
            }
            int updated = h.createUpdate("UPDATE user_attributes SET sealed_value = :v, updated_at = :now "
                            + "WHERE tenant_id = :t AND user_id = :u AND name = :n")
                    .bind("v", sealed).bind("now", now.toEpochMilli()).bind("t", tenant).bind("u", userId).bind("n", name).execute();
            if (updated == 1) {
                return true;
            }
            long count = h.createQuery("SELECT COUNT(*) FROM user_attributes WHERE tenant_id = :t AND user_id = :u")
                    .bind("t", tenant).bind("u", userId).mapTo(Long.class).one();
            if (count >= maxCount) {
                return false;
            }
            h.createUpdate("INSERT INTO user_attributes (tenant_id, user_id, name, sealed_value, updated_at) VALUES (:t, :u, :n, :v, :now)")
                    .bind("t", tenant).bind("u", userId).bind("n", name).bind("v", sealed).bind("now", now.toEpochMilli()).execute();
            return true;
        });
    }

    @Override
    public boolean delete(String tenant, String userId, String name) {
        return db.call(h -> h.createUpdate("DELETE FROM user_attributes WHERE tenant_id = :t AND user_id = :u AND name = :n")
                .bind("t", tenant).bind("u", userId).bind("n", name).execute()) == 1;
    }

    @Override
    public long countOfTenant(String tenant) {
        return db.call(h -> h.createQuery("SELECT COUNT(*) FROM user_attributes WHERE tenant_id = :t").bind("t", tenant)
                .mapTo(Long.class).one());
    }

    @Override
    public long countOfTenantStartingWith(String tenant, String sealedPrefix) {
        return db.call(h -> h.createQuery("SELECT COUNT(*) FROM user_attributes WHERE tenant_id = :t AND LEFT(sealed_value, :n) = :p")
                .bind("t", tenant).bind("n", sealedPrefix.length()).bind("p", sealedPrefix).mapTo(Long.class).one());
    }

    @Override
    public List<Stored> pageOfTenant(String tenant, String afterUser, String afterName, int limit) {
        return db.call(h -> h.createQuery("SELECT user_id, name, sealed_value FROM user_attributes WHERE tenant_id = :t "
                        + "AND (user_id > :u OR (user_id = :u AND name > :n)) ORDER BY user_id, name LIMIT :limit")
                .bind("t", tenant).bind("u", afterUser).bind("n", afterName).bind("limit", limit)
                .map((rs, ctx) -> new Stored(rs.getString("user_id"), rs.getString("name"), rs.getString("sealed_value"))).list());
    }

    @Override
    public boolean replaceIfUnchanged(String tenant, String userId, String name, String expectedSealed, String newSealed) {
        return db.call(h -> h.createUpdate("UPDATE user_attributes SET sealed_value = :v "
                        + "WHERE tenant_id = :t AND user_id = :u AND name = :n AND sealed_value = :old")
                .bind("v", newSealed).bind("t", tenant).bind("u", userId).bind("n", name).bind("old", expectedSealed).execute()) == 1;
    }
}
