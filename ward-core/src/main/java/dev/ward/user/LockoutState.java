package dev.ward.user;

import java.time.Instant;

/** Failed-login bookkeeping of one account: consecutive failures, lockouts so far, and the current lock. */
public record LockoutState(int failures, int lockouts, Instant lockedUntil) {
    public static final LockoutState CLEAR = new LockoutState(0, 0, null);

    public boolean lockedAt(Instant now) {
        return lockedUntil != null && lockedUntil.isAfter(now);
    }
}
