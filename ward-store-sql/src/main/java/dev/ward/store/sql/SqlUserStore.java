package dev.ward.store.sql;

import dev.ward.user.User;
import dev.ward.user.UserStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

public final class SqlUserStore implements UserStore {
    private final SqlDatabase db;

    public SqlUserStore(SqlDatabase db) { this.db = db; }

    @Override
    public boolean insert(User u) {
        return db.insertUnlessDuplicate(h -> h.createUpdate("INSERT INTO users (tenant_id, id, username, password_hash, roles, disabled, "
                        + "mfa_enabled, created_at) VALUES (:t, :id, :username, :hash, :roles, :disabled, :mfa, :at)")
                .bind("t", u.tenant()).bind("id", u.id()).bind("username", u.username())
                .bind("hash", u.passwordHash()).bind("roles", Columns.joined(u.roles()))
                .bind("disabled", u.disabled()).bind("mfa", u.mfaEnabled())
                .bind("at", Columns.timestamp(u.createdAt())).execute());
    }

    @Override
    public Optional<User> find(String tenant, String id) {
        return db.call(h -> h.createQuery("SELECT * FROM users WHERE tenant_id = :t AND id = :id")
                .bind("t", tenant).bind("id", id).map((rs, ctx) -> read(rs)).findOne());
    }

    @Override
    public Optional<User> findByUsername(String tenant, String username) {
        return db.call(h -> h.createQuery("SELECT * FROM users WHERE tenant_id = :t AND username = :u")
                .bind("t", tenant).bind("u", username).map((rs, ctx) -> read(rs)).findOne());
    }

    @Override
    public List<User> list(String tenant) {
        return db.call(h -> h.createQuery("SELECT * FROM users WHERE tenant_id = :t ORDER BY username")
                .bind("t", tenant).map((rs, ctx) -> read(rs)).list());
    }

    @Override
    public boolean setDisabled(String tenant, String id, boolean disabled) {
        return db.call(h -> h.createUpdate("UPDATE users SET disabled = :d WHERE tenant_id = :t AND id = :id")
                .bind("d", disabled).bind("t", tenant).bind("id", id).execute()) == 1;
    }

    @Override
    public boolean setRoles(String tenant, String id, List<String> roles) {
        return db.call(h -> h.createUpdate("UPDATE users SET roles = :r WHERE tenant_id = :t AND id = :id")
                .bind("r", Columns.joined(roles)).bind("t", tenant).bind("id", id).execute()) == 1;
    }

    @Override
    public void setPasswordHash(String tenant, String id, String passwordHash) {
        db.run(h -> h.createUpdate("UPDATE users SET password_hash = :p WHERE tenant_id = :t AND id = :id")
                .bind("p", passwordHash).bind("t", tenant).bind("id", id).execute());
    }

    private static User read(ResultSet rs) throws SQLException {
        return new User(rs.getString("tenant_id"), rs.getString("id"), rs.getString("username"),
                rs.getString("password_hash"), Columns.split(rs.getString("roles")), rs.getBoolean("disabled"),
                rs.getBoolean("mfa_enabled"), Columns.instant(rs, "created_at"));
    }
}
