package dev.ward.store.sql;

import dev.ward.crypto.KeyStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

public final class SqlKeyStore implements KeyStore {
    private final SqlDatabase db;

    public SqlKeyStore(SqlDatabase db) { this.db = db; }

    @Override
    public Optional<Head> head(String tenant) {
        return db.call(h -> h.createQuery("SELECT * FROM key_rings WHERE tenant_id = :t").bind("t", tenant)
                .map((rs, ctx) -> new Head(rs.getString("tenant_id"), rs.getInt("primary_version"), Columns.instant(rs, "rotated_at")))
                .findOne());
    }

    @Override
    public List<Head> heads() {
        return db.call(h -> h.createQuery("SELECT * FROM key_rings ORDER BY tenant_id")
                .map((rs, ctx) -> new Head(rs.getString("tenant_id"), rs.getInt("primary_version"), Columns.instant(rs, "rotated_at")))
                .list());
    }

    @Override
    public List<Stored> versions(String tenant) {
        return db.call(h -> h.createQuery("SELECT * FROM key_versions WHERE tenant_id = :t ORDER BY version DESC")
                .bind("t", tenant).map((rs, ctx) -> stored(rs)).list());
    }

    @Override
    public Optional<Stored> version(String tenant, int version) {
        return db.call(h -> h.createQuery("SELECT * FROM key_versions WHERE tenant_id = :t AND version = :v")
                .bind("t", tenant).bind("v", version).map((rs, ctx) -> stored(rs)).findOne());
    }

    private static Stored stored(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new Stored(rs.getInt("version"), rs.getString("wrapped_keyset"), Columns.instant(rs, "created_at"),
                Columns.instant(rs, "destroyed_at"));
    }

    @Override
    public boolean create(String tenant, String wrappedKeyset, Instant now) {
        return db.unlessDuplicate(h -> {
            h.createUpdate("INSERT INTO key_rings (tenant_id, primary_version, rotated_at) VALUES (:t, 1, :now)")
                    .bind("t", tenant).bind("now", Columns.timestamp(now)).execute();
            insertVersion(h, tenant, 1, wrappedKeyset, now);
            return true;
        });
    }

    @Override
    public boolean rotate(String tenant, int expectedPrimary, String wrappedKeyset, Instant now) {
        return db.unlessDuplicate(h -> {
            // The ring row is updated first, so a concurrent rotation waits on its lock and then finds no match.
            int moved = h.createUpdate("UPDATE key_rings SET primary_version = :next, rotated_at = :now "
                            + "WHERE tenant_id = :t AND primary_version = :expected")
                    .bind("next", expectedPrimary + 1).bind("now", Columns.timestamp(now)).bind("t", tenant)
                    .bind("expected", expectedPrimary).execute();
            if (moved != 1) {
                return false;
            }
            insertVersion(h, tenant, expectedPrimary + 1, wrappedKeyset, now);
            return true;
        });
    }

    @Override
    public boolean destroy(String tenant, int version, Instant now) {
        return db.call(h -> h.createUpdate("UPDATE key_versions SET wrapped_keyset = NULL, destroyed_at = :now "
                        + "WHERE tenant_id = :t AND version = :v AND wrapped_keyset IS NOT NULL "
                        + "AND version <> (SELECT primary_version FROM key_rings WHERE tenant_id = :t)")
                .bind("now", Columns.timestamp(now)).bind("t", tenant).bind("v", version).execute()) == 1;
    }

    private static void insertVersion(Handle h, String tenant, int version, String wrapped, Instant now) {
        h.createUpdate("INSERT INTO key_versions (tenant_id, version, wrapped_keyset, created_at) VALUES (:t, :v, :w, :now)")
                .bind("t", tenant).bind("v", version).bind("w", wrapped).bind("now", Columns.timestamp(now)).execute();
    }
}
