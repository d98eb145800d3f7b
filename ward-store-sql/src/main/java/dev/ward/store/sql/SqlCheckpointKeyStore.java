package dev.ward.store.sql;

import dev.ward.audit.CheckpointKey;
import dev.ward.audit.CheckpointKeyStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Checkpoint signing keys in {@code audit_signing_keys} (times in epoch milliseconds). */
public final class SqlCheckpointKeyStore implements CheckpointKeyStore {
    private final SqlDatabase db;

    public SqlCheckpointKeyStore(SqlDatabase db) { this.db = db; }

    @Override
    public List<CheckpointKey> all() {
        return db.call(h -> h.createQuery("SELECT * FROM audit_signing_keys ORDER BY created_at DESC, kid DESC")
                .map((rs, ctx) -> key(rs)).list());
    }

    @Override
    public Optional<CheckpointKey> find(String kid) {
        return db.call(h -> h.createQuery("SELECT * FROM audit_signing_keys WHERE kid = :kid").bind("kid", kid)
                .map((rs, ctx) -> key(rs)).findOne());
    }

    private static CheckpointKey key(ResultSet rs) throws SQLException {
        return new CheckpointKey(rs.getString("kid"), rs.getString("public_jwk"), rs.getString("sealed_private_jwk"),
                Columns.millis(rs, "created_at"), Columns.millis(rs, "retired_at"));
    }

    @Override
    public void insert(CheckpointKey k) {
        db.run(h -> h.createUpdate("INSERT INTO audit_signing_keys (kid, public_jwk, sealed_private_jwk, created_at) "
                        + "VALUES (:kid, :pub, :priv, :at)")
                .bind("kid", k.kid()).bind("pub", k.publicJwk()).bind("priv", k.sealedPrivateJwk())
                .bind("at", k.createdAt().toEpochMilli()).execute());
    }

    @Override
    public void retireAllExcept(String kid, Instant at) {
        db.run(h -> h.createUpdate("UPDATE audit_signing_keys SET retired_at = :at WHERE kid <> :kid AND retired_at IS NULL")
                .bind("at", at.toEpochMilli()).bind("kid", kid).execute());
    }
}
