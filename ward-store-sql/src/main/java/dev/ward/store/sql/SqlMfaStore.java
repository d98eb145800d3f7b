package dev.ward.store.sql;

import dev.ward.mfa.BackupCode;
import dev.ward.mfa.MfaStore;
import dev.ward.mfa.TotpFactor;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** Second factors in the durable database; keeps {@code users.mfa_enabled} in step in the same transactions. */
public final class SqlMfaStore implements MfaStore {
    private final SqlDatabase db;

    public SqlMfaStore(SqlDatabase db) { this.db = db; }

    @Override
    public Optional<TotpFactor> totp(String tenant, String userId) {
        return db.call(h -> h.createQuery("SELECT sealed_secret, confirmed, last_step FROM mfa_totp WHERE tenant_id = :t AND user_id = :u")
                .bind("t", tenant).bind("u", userId)
                .map((rs, ctx) -> new TotpFactor(rs.getString("sealed_secret"), rs.getBoolean("confirmed"), rs.getLong("last_step")))
                .findOne());
    }

    @Override
    public boolean beginTotp(String tenant, String userId, String sealedSecret, Instant now) {
        return db.inTransaction(h -> {
            // Locks the user's factor row, if any, so a confirmation cannot slip in between.
            Optional<Boolean> confirmed = h.createQuery("SELECT confirmed FROM mfa_totp WHERE tenant_id = :t AND user_id = :u FOR UPDATE")
                    .bind("t", tenant).bind("u", userId).mapTo(Boolean.class).findOne();
            if (confirmed.orElse(false)) {
                return false;
            }
            if (confirmed.isPresent()) {
                h.createUpdate("UPDATE mfa_totp SET sealed_secret = :s, last_step = :none, created_at = :at "
                                + "WHERE tenant_id = :t AND user_id = :u AND confirmed = FALSE")
                        .bind("s", sealedSecret).bind("none", TotpFactor.NO_STEP).bind("at", Columns.timestamp(now))
                        .bind("t", tenant).bind("u", userId).execute();
            } else {
                h.createUpdate("INSERT INTO mfa_totp (tenant_id, user_id, sealed_secret, confirmed, last_step, created_at) "
                                + "VALUES (:t, :u, :s, FALSE, :none, :at)")
                        .bind("t", tenant).bind("u", userId).bind("s", sealedSecret).bind("none", TotpFactor.NO_STEP)
                        .bind("at", Columns.timestamp(now)).execute();
            }
            return true;
        });
    }

    @Override
    public boolean confirmTotp(String tenant, String userId, String sealedSecret, long step, List<BackupCode> codes, Instant now) {
        return db.inTransaction(h -> {
            int n = h.createUpdate("UPDATE mfa_totp SET confirmed = TRUE, last_step = :step, confirmed_at = :at "
                            + "WHERE tenant_id = :t AND user_id = :u AND confirmed = FALSE AND sealed_secret = :s")
                    .bind("step", step).bind("at", Columns.timestamp(now)).bind("t", tenant).bind("u", userId)
                    .bind("s", sealedSecret).execute();
            if (n == 0) {
                return false;
            }
            replaceCodes(h, tenant, userId, codes);
            setMfaEnabled(h, tenant, userId, true);
            return true;
        });
    }

    @Override
    public boolean advanceStep(String tenant, String userId, long step) {
        return db.call(h -> h.createUpdate("UPDATE mfa_totp SET last_step = :step "
                        + "WHERE tenant_id = :t AND user_id = :u AND confirmed = TRUE AND last_step < :step")
                .bind("step", step).bind("t", tenant).bind("u", userId).execute()) == 1;
    }

    @Override
    public List<BackupCode> backupCodes(String tenant, String userId) {
        return db.call(h -> h.createQuery("SELECT id, salt, code_hash, used_at FROM mfa_backup_codes "
                        + "WHERE tenant_id = :t AND user_id = :u ORDER BY id")
                .bind("t", tenant).bind("u", userId)
                .map((rs, ctx) -> new BackupCode(rs.getString("id"), rs.getString("salt"), rs.getString("code_hash"),
                        Columns.instant(rs, "used_at")))
                .list());
    }

    @Override
    public boolean useBackupCode(String tenant, String userId, String codeId, Instant now) {
        return db.call(h -> h.createUpdate("UPDATE mfa_backup_codes SET used_at = :at "
                        + "WHERE tenant_id = :t AND user_id = :u AND id = :id AND used_at IS NULL")
                .bind("at", Columns.timestamp(now)).bind("t", tenant).bind("u", userId).bind("id", codeId).execute()) == 1;
    }

    @Override
    public void replaceBackupCodes(String tenant, String userId, List<BackupCode> codes) {
        db.inTransaction(h -> {
            replaceCodes(h, tenant, userId, codes);
            return null;
        });
    }

    @Override
    public boolean remove(String tenant, String userId) {
        return db.inTransaction(h -> {
            int codes = h.createUpdate("DELETE FROM mfa_backup_codes WHERE tenant_id = :t AND user_id = :u")
                    .bind("t", tenant).bind("u", userId).execute();
            int factor = h.createUpdate("DELETE FROM mfa_totp WHERE tenant_id = :t AND user_id = :u")
                    .bind("t", tenant).bind("u", userId).execute();
            setMfaEnabled(h, tenant, userId, false);
            return codes + factor > 0;
        });
    }

    private static void replaceCodes(Handle h, String tenant, String userId, List<BackupCode> codes) {
        h.createUpdate("DELETE FROM mfa_backup_codes WHERE tenant_id = :t AND user_id = :u")
                .bind("t", tenant).bind("u", userId).execute();
        for (BackupCode c : codes) {
            h.createUpdate("INSERT INTO mfa_backup_codes (tenant_id, user_id, id, salt, code_hash, used_at) "
                            + "VALUES (:t, :u, :id, :salt, :hash, :used)")
                    .bind("t", tenant).bind("u", userId).bind("id", c.id()).bind("salt", c.salt()).bind("hash", c.hash())
                    .bind("used", Columns.timestamp(c.usedAt())).execute();
        }
    }

    private static void setMfaEnabled(Handle h, String tenant, String userId, boolean enabled) {
        h.createUpdate("UPDATE users SET mfa_enabled = :on WHERE tenant_id = :t AND id = :u")
                .bind("on", enabled).bind("t", tenant).bind("u", userId).execute();
    }

    @Override
    public long countSecrets(String tenant) {
        return db.call(h -> h.createQuery("SELECT COUNT(*) FROM mfa_totp WHERE tenant_id = :t").bind("t", tenant)
                .mapTo(Long.class).one());
    }

    @Override
    public long countSecretsStartingWith(String tenant, String sealedPrefix) {
        return db.call(h -> h.createQuery("SELECT COUNT(*) FROM mfa_totp WHERE tenant_id = :t AND LEFT(sealed_secret, :n) = :p")
                .bind("t", tenant).bind("n", sealedPrefix.length()).bind("p", sealedPrefix).mapTo(Long.class).one());
    }

    @Override
    public List<SealedSecret> secrets(String tenant, String afterUserId, int limit) {
        return db.call(h -> h.createQuery("SELECT user_id, sealed_secret FROM mfa_totp WHERE tenant_id = :t AND user_id > :after "
                        + "ORDER BY user_id LIMIT :limit")
                .bind("t", tenant).bind("after", afterUserId).bind("limit", limit)
                .map((rs, ctx) -> new SealedSecret(rs.getString("user_id"), rs.getString("sealed_secret"))).list());
    }

    @Override
    public boolean replaceSecret(String tenant, String userId, String expected, String replacement) {
        return db.call(h -> h.createUpdate("UPDATE mfa_totp SET sealed_secret = :new "
                        + "WHERE tenant_id = :t AND user_id = :u AND sealed_secret = :old")
                .bind("new", replacement).bind("t", tenant).bind("u", userId).bind("old", expected).execute()) == 1;
    }
}
