package dev.ward.mfa;

/**
 * A user's TOTP secret as stored: sealed with the tenant's key, bound to tenant and user. Pending until a
 * first code confirms it. {@code lastStep} is the latest time step a code was accepted for (replay guard).
 */
public record TotpFactor(String sealedSecret, boolean confirmed, long lastStep) {
    /** No step used yet. */
    public static final long NO_STEP = -1;

    @Override
    public String toString() { return "TotpFactor[confirmed=" + confirmed + ", lastStep=" + lastStep + "]"; }
}
