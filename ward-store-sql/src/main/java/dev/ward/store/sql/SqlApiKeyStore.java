package dev.ward.store.sql;

import dev.ward.access.Scope;
import dev.ward.apikey.ApiKey;
import dev.ward.apikey.ApiKeyStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

public final class SqlApiKeyStore implements ApiKeyStore {
    private final SqlDatabase db;

    public SqlApiKeyStore(SqlDatabase db) { this.db = db; }

    @Override
    public void insert(ApiKey k) {
        db.run(h -> h.createUpdate("INSERT INTO api_keys (id, tenant_id, name, key_hash, scopes, created_at) "
                        + "VALUES (:id, :t, :name, :hash, :scopes, :at)")
                .bind("id", k.id()).bind("t", k.tenant()).bind("name", k.name()).bind("hash", k.keyHash())
                .bind("scopes", k.scopes().stream().map(Scope::wire).sorted().collect(Collectors.joining(",")))
                .bind("at", Columns.timestamp(k.createdAt())).execute());
    }

    @Override
    public Optional<ApiKey> findByHash(String keyHash) {
        return db.call(h -> h.createQuery("SELECT * FROM api_keys WHERE key_hash = :h").bind("h", keyHash)
                .map((rs, ctx) -> read(rs)).findOne());
    }

    @Override
    public List<ApiKey> list(String tenant) {
        return db.call(h -> h.createQuery("SELECT * FROM api_keys WHERE tenant_id = :t ORDER BY created_at, id")
                .bind("t", tenant).map((rs, ctx) -> read(rs)).list());
    }

    @Override
    public boolean revoke(String tenant, String id, Instant at) {
        return db.call(h -> h.createUpdate("UPDATE api_keys SET revoked_at = :at WHERE tenant_id = :t AND id = :id AND revoked_at IS NULL")
                .bind("at", Columns.timestamp(at)).bind("t", tenant).bind("id", id).execute()) == 1;
    }

    private static ApiKey read(ResultSet rs) throws SQLException {
        Set<Scope> scopes = Columns.split(rs.getString("scopes")).stream().map(s -> Scope.parse(s).orElseThrow())
                .collect(Collectors.toSet());
        return new ApiKey(rs.getString("id"), rs.getString("tenant_id"), rs.getString("name"), scopes,
                rs.getString("key_hash"), Columns.instant(rs, "created_at"), Columns.instant(rs, "revoked_at"));
    }
}
