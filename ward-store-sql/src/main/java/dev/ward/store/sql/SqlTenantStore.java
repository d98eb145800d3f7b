package dev.ward.store.sql;

import dev.ward.tenant.Policy;
import dev.ward.tenant.Tenant;
import dev.ward.tenant.TenantStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

public final class SqlTenantStore implements TenantStore {
    private final SqlDatabase db;

    public SqlTenantStore(SqlDatabase db) { this.db = db; }

    @Override
    public boolean insert(Tenant t) {
        return db.insertUnlessDuplicate(h -> h.createUpdate("INSERT INTO tenants (id, name, policy, policy_version, created_at) "
                        + "VALUES (:id, :name, :policy, :pv, :at)")
                .bind("id", t.id()).bind("name", t.name()).bind("policy", Json.write(t.policy().toStoredMap()))
                .bind("pv", t.policyVersion()).bind("at", Columns.timestamp(t.createdAt())).execute());
    }

    @Override
    public Optional<Tenant> find(String id) {
        return db.call(h -> h.createQuery("SELECT * FROM tenants WHERE id = :id").bind("id", id)
                .map((rs, ctx) -> read(rs)).findOne());
    }

    @Override
    public List<Tenant> list() {
        return db.call(h -> h.createQuery("SELECT * FROM tenants ORDER BY id").map((rs, ctx) -> read(rs)).list());
    }

    @Override
    public boolean updatePolicy(String id, Policy policy, long expectedVersion) {
        return db.call(h -> h.createUpdate("UPDATE tenants SET policy = :policy, policy_version = policy_version + 1 "
                        + "WHERE id = :id AND policy_version = :v")
                .bind("policy", Json.write(policy.toStoredMap())).bind("id", id).bind("v", expectedVersion)
                .execute()) == 1;
    }

    private static Tenant read(ResultSet rs) throws SQLException {
        return new Tenant(rs.getString("id"), rs.getString("name"), Policy.fromStored(Json.read(rs.getString("policy"))),
                rs.getLong("policy_version"), Columns.instant(rs, "created_at"));
    }
}
