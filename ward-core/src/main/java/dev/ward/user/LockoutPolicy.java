package dev.ward.user;

import java.time.Duration;

/**
 * How long the n-th lockout lasts: the tenant's base duration, doubled on each repeat lockout
 * (seeds 001, 002), capped at 24 hours unless the base itself is longer.
 */
public record LockoutPolicy(int maxFailures, Duration base) {
    static final Duration CAP = Duration.ofHours(24);

    public Duration durationOf(int lockoutNumber) {
        Duration cap = base.compareTo(CAP) > 0 ? base : CAP;
        int doublings = Math.max(0, Math.min(lockoutNumber - 1, 30));
        Duration d = base.multipliedBy(1L << doublings);
        return d.compareTo(cap) > 0 ? cap : d;
    }
}
