package dev.ward.store.sql;

import dev.ward.user.LockoutState;
import dev.ward.user.LockoutStore;
import java.time.Instant;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementException;

public final class SqlLockoutStore implements LockoutStore {
    private final SqlDatabase db;

    public SqlLockoutStore(SqlDatabase db) { this.db = db; }

    @Override
    public LockoutState get(String tenant, String userId) {
        return db.call(h -> read(h, tenant, userId));
    }

    @Override
    public LockoutState recordFailure(String tenant, String userId) {
        for (int attempt = 0; ; attempt++) {
            try {
                return db.inTransaction(h -> {
                    // The UPDATE takes the row lock, so concurrent failures each count.
                    int n = h.createUpdate("UPDATE login_lockouts SET failures = failures + 1 WHERE tenant_id = :t AND user_id = :u")
                            .bind("t", tenant).bind("u", userId).execute();
                    if (n == 0) {
                        h.createUpdate("INSERT INTO login_lockouts (tenant_id, user_id, failures, lockouts) VALUES (:t, :u, 1, 0)")
                                .bind("t", tenant).bind("u", userId).execute();
                    }
                    return read(h, tenant, userId);
                });
            } catch (StatementException e) {
                // Two first failures raced on the INSERT; the loser now finds the row and updates it.
                if (!SqlDatabase.isUniqueViolation(e) || attempt >= 3) {
                    throw e;
                }
            }
        }
    }

    @Override
    public void lock(String tenant, String userId, Instant until) {
        db.run(h -> h.createUpdate("UPDATE login_lockouts SET locked_until = :until, lockouts = lockouts + 1, failures = 0 "
                        + "WHERE tenant_id = :t AND user_id = :u")
                .bind("until", Columns.timestamp(until)).bind("t", tenant).bind("u", userId).execute());
    }

    @Override
    public void clear(String tenant, String userId) {
        db.run(h -> h.createUpdate("DELETE FROM login_lockouts WHERE tenant_id = :t AND user_id = :u")
                .bind("t", tenant).bind("u", userId).execute());
    }

    private static LockoutState read(Handle h, String tenant, String userId) {
        return h.createQuery("SELECT failures, lockouts, locked_until FROM login_lockouts WHERE tenant_id = :t AND user_id = :u")
                .bind("t", tenant).bind("u", userId)
                .map((rs, ctx) -> new LockoutState(rs.getInt("failures"), rs.getInt("lockouts"), Columns.instant(rs, "locked_until")))
                .findOne().orElse(LockoutState.CLEAR);
    }
}
