package dev.ward.store.sql;

import dev.ward.jwt.SigningKey;
import dev.ward.jwt.SigningKeyStore;
import java.time.Instant;
import java.util.List;

public final class SqlSigningKeyStore implements SigningKeyStore {
    private final SqlDatabase db;

    public SqlSigningKeyStore(SqlDatabase db) { this.db = db; }

    @Override
    public List<SigningKey> all() {
        return db.call(h -> h.createQuery("SELECT * FROM signing_keys ORDER BY created_at DESC, kid DESC")
                .map((rs, ctx) -> new SigningKey(rs.getString("kid"), rs.getString("public_jwk"), rs.getString("private_jwk"),
                        Columns.instant(rs, "created_at"), Columns.instant(rs, "retired_at")))
                .list());
    }

    @Override
    public void insert(SigningKey k) {
        db.run(h -> h.createUpdate("INSERT INTO signing_keys (kid, public_jwk, private_jwk, created_at) VALUES (:kid, :pub, :priv, :at)")
                .bind("kid", k.kid()).bind("pub", k.publicJwk()).bind("priv", k.sealedPrivateJwk())
                .bind("at", Columns.timestamp(k.createdAt())).execute());
    }

    @Override
    public void retireAllExcept(String kid, Instant at) {
        db.run(h -> h.createUpdate("UPDATE signing_keys SET retired_at = :at WHERE kid <> :kid AND retired_at IS NULL")
                .bind("at", Columns.timestamp(at)).bind("kid", kid).execute());
    }
}
