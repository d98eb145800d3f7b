package dev.ward.store.sql;

import dev.ward.user.LockoutState;
import dev.ward.user.LockoutStore;
import java.time.Instant;
import org.jdbi.v3.core.Handle;

public final class SqlLockoutStore implements LockoutStore {
    private final SqlDatabase db;

    public SqlLockoutStore(SqlDatabase db) { this.db = db; }

    @Override
    public LockoutState get(String tenant, String userId) {
        return db.call(h -> read(h, tenant, userId));
    }

    @Override
    public LockoutState recordFailure(String tenant, String userId, Instant now) {
        return db.inTransaction(h -> {
            h.createUpdate("INSERT INTO login_lockouts (tenant_id, user_id, failures, lockouts) VALUES (:t, :u, 0, 0) "
                    + "ON CONFLICT DO NOTHING").bind("t", tenant).bind("u", userId).execute();
            // The UPDATE takes the row lock (kept to the end of the caller's transaction), so concurrent failures each count.
            h.createUpdate("UPDATE login_lockouts SET failures = failures + 1 WHERE tenant_id = :t AND user_id = :u "
                            + "AND (locked_until IS NULL OR locked_until <= :now)")
                    .bind("t", tenant).bind("u", userId).bind("now", Columns.timestamp(now)).execute();
            return read(h, tenant, userId);
        });
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
