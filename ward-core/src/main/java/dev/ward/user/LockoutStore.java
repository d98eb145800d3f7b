package dev.ward.user;

import java.time.Instant;

/** Lockout counters, per account (never per IP, so rotating addresses does not help an attacker). */
public interface LockoutStore {
    LockoutState get(String tenant, String userId);

    /**
     * Adds one failure, unless the account is locked at {@code now} (attempts during a lock do not count), and returns
     * the state. Holds the account's row until the surrounding transaction ends, so that concurrent failures count one
     * after another and only one of them can reach the limit.
     */
    LockoutState recordFailure(String tenant, String userId, Instant now);

    /** Locks until {@code until}, counts one more lockout and restarts the failure count. */
    void lock(String tenant, String userId, Instant until);

    /** Forgets failures, lockouts and any lock (successful login, admin unlock). */
    void clear(String tenant, String userId);
}
