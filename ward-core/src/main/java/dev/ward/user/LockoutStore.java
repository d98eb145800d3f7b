package dev.ward.user;

import java.time.Instant;

/** Lockout counters, per account (never per IP, so rotating addresses does not help an attacker). */
public interface LockoutStore {
    LockoutState get(String tenant, String userId);

    /** Atomically adds one failure and returns the new state. */
    LockoutState recordFailure(String tenant, String userId);

    /** Locks until {@code until}, counts one more lockout and restarts the failure count. */
    void lock(String tenant, String userId, Instant until);

    /** Forgets failures, lockouts and any lock (successful login, admin unlock). */
    void clear(String tenant, String userId);
}
