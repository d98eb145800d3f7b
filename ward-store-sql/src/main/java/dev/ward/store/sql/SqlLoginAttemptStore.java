package dev.ward.store.sql;

import dev.ward.auth.LoginAttempt;
import dev.ward.auth.LoginAttemptStore;
import java.util.List;

public final class SqlLoginAttemptStore implements LoginAttemptStore {
    private final SqlDatabase db;

    public SqlLoginAttemptStore(SqlDatabase db) { this.db = db; }

    @Override
    public void append(LoginAttempt a) {
        db.run(h -> h.createUpdate("INSERT INTO login_attempts (at, tenant_id, username, user_id, outcome, failure_reason, ip, user_agent) "
                        + "VALUES (:at, :t, :username, :uid, :outcome, :reason, :ip, :ua)")
                .bind("at", Columns.timestamp(a.at())).bind("t", a.tenant()).bind("username", a.username())
                .bind("uid", a.userId()).bind("outcome", a.outcome()).bind("reason", a.failureReason())
                .bind("ip", a.ip()).bind("ua", a.userAgent()).execute());
    }

    @Override
    public List<LoginAttempt> recent(String tenant, String username, int limit) {
        return db.call(h -> h.createQuery("SELECT * FROM login_attempts WHERE (:t IS NULL OR tenant_id = :t) "
                        + "AND (:u IS NULL OR username = :u) ORDER BY id DESC LIMIT :limit")
                .bind("t", tenant).bind("u", username).bind("limit", limit)
                .map((rs, ctx) -> new LoginAttempt(Columns.instant(rs, "at"), rs.getString("tenant_id"), rs.getString("username"),
                        rs.getString("user_id"), "succeeded".equals(rs.getString("outcome")), rs.getString("failure_reason"),
                        rs.getString("ip"), rs.getString("user_agent")))
                .list());
    }
}
