package dev.ward.user;

import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditTrail;
import dev.ward.tenant.Policy;
import java.time.Clock;
import java.time.Instant;

/**
 * Counts failed proofs of identity against an account — wrong passwords at login or when changing it,
 * wrong or replayed MFA codes — and locks the account at the tenant's limit (C2), so no credential can be
 * guessed through a side door. Locking also ends the account's open MFA challenges: a lock can be shorter
 * than a challenge's life, and the password behind a challenge may be what was being guessed.
 */
public final class AccountLockout {
    private final LockoutStore store;
    private final OpenChallenges challenges;
    private final AuditTrail audit;
    private final Clock clock;

    public AccountLockout(LockoutStore store, OpenChallenges challenges, AuditTrail audit, Clock clock) {
        this.store = store;
        this.challenges = challenges;
        this.audit = audit;
        this.clock = clock;
    }

    public boolean locked(String tenant, String userId) {
        return store.get(tenant, userId).lockedAt(clock.instant());
    }

    /**
     * One more failure; at {@code login.max_failures} the account locks, longer on each repeat lockout. Counting, locking
     * and the {@code account.locked} event are one transaction holding the account's row, so parallel failures lock the
     * account exactly once, at exactly the limit.
     */
    public void recordFailure(String tenant, String userId, Policy policy, String ip) {
        Instant now = clock.instant();
        audit.atomically(() -> {
            LockoutState after = store.recordFailure(tenant, userId, now);
            if (after.lockedAt(now) || after.failures() < policy.maxLoginFailures()) {
                return;
            }
            int lockoutNumber = after.lockouts() + 1;
            Instant until = now.plus(new LockoutPolicy(policy.maxLoginFailures(), policy.lockout()).durationOf(lockoutNumber));
            store.lock(tenant, userId, until);
            challenges.deleteAllOfUser(tenant, userId);
            audit.append(AuditEntry.of(tenant, "account.locked").outcome(AuditEntry.FAILURE).user(userId).ip(ip)
                    .detail("failures", after.failures()).detail("lockout_number", lockoutNumber)
                    .detail("locked_until", until.toString()).build());
        });
    }

    /**
     * Locks the account until an administrator unlocks it ({@code detect.response} {@code lock_account}): stored as
     * locked for {@link #UNTIL_UNLOCKED} (a century), with its open MFA challenges ended and {@code account.locked}
     * naming the alert. The unlock that ends any lockout ({@code POST …/unlock}) ends this one.
     */
    public Instant lockUntilUnlocked(String tenant, String userId, dev.ward.access.Actor.Detector by) {
        Instant now = clock.instant();
        Instant until = now.plus(UNTIL_UNLOCKED);
        audit.atomically(() -> {
            store.recordFailure(tenant, userId, now); // the account's row, even where a login just cleared it
            store.lock(tenant, userId, until);
            challenges.deleteAllOfUser(tenant, userId);
            audit.append(AuditEntry.of(tenant, "account.locked").outcome(AuditEntry.FAILURE).user(userId).actor(by)
                    .detail("alert_id", by.alertId()).detail("locked_until", until.toString()).build());
        });
        return until;
    }

    /** How long a lock by the detectors' response lasts: until an administrator unlocks the account, in practice. */
    public static final java.time.Duration UNTIL_UNLOCKED = java.time.Duration.ofDays(36_500);
}
