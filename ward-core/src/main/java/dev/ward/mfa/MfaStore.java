package dev.ward.mfa;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** A user's second factors: the sealed TOTP secret with its replay guard, and the hashed backup codes. */
public interface MfaStore {
    Optional<TotpFactor> totp(String tenant, String userId);

    /** Stores a new pending secret in place of any earlier pending one; false when TOTP is already enabled. */
    boolean beginTotp(String tenant, String userId, String sealedSecret, Instant now);

    /**
     * Atomically: the pending secret {@code sealedSecret} becomes the enabled factor with {@code step} as its
     * last used step, the backup codes are replaced by {@code codes} and the user is marked MFA-enabled.
     * False when that secret is no longer pending (confirmed or replaced meanwhile).
     */
    boolean confirmTotp(String tenant, String userId, String sealedSecret, long step, List<BackupCode> codes, Instant now);

    /**
     * The replay guard, a compare-and-set on every node: records {@code step} as the last used one only if it
     * is later than the one recorded. False when a code of this step (or a later one) was accepted before.
     */
    boolean advanceStep(String tenant, String userId, long step);

    /** Used and unused. */
    List<BackupCode> backupCodes(String tenant, String userId);

    /** Marks an unused backup code used; false when it was used already (exactly one caller wins). */
    boolean useBackupCode(String tenant, String userId, String codeId, Instant now);

    void replaceBackupCodes(String tenant, String userId, List<BackupCode> codes);

    /** Removes the TOTP factor and backup codes and marks the user MFA-disabled; false when there was nothing. */
    boolean remove(String tenant, String userId);

    /** A user's sealed TOTP secret (pending or confirmed), as a key rewrap walks them. */
    record SealedSecret(String userId, String sealed) {
        @Override public String toString() { return "SealedSecret[" + userId + "]"; }
    }

    /** How many TOTP secrets (pending or confirmed) the tenant's users have. */
    long countSecrets(String tenant);

    /** How many of those secrets have a sealed form that starts with {@code sealedPrefix}. */
    long countSecretsStartingWith(String tenant, String sealedPrefix);

    /** Up to {@code limit} of the tenant's TOTP secrets, by user id, strictly after {@code afterUserId} ("" for all). */
    List<SealedSecret> secrets(String tenant, String afterUserId, int limit);

    /** Replaces a sealed secret only if it still is {@code expected} (compare-and-set); false when it changed or is gone. */
    boolean replaceSecret(String tenant, String userId, String expected, String replacement);
}
