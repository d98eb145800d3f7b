package dev.ward.session;

import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditTrail;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Removes sessions and their attributes: on schedule (ended sessions), from the CLI, and at start.
 * Expiry is always enforced at read time as well; this frees space and erases attribute data.
 */
public final class SessionCleanup {
    private static final int BATCH = 500;

    private final SessionStore store;
    private final AuditTrail audit;
    private final Clock clock;

    public SessionCleanup(SessionStore store, AuditTrail audit, Clock clock) {
        this.store = store;
        this.audit = audit;
        this.clock = clock;
    }

    /** What a run would remove, per tenant. */
    public Map<String, Long> preview(CleanupCriteria criteria) {
        return store.countForCleanup(criteria, clock.instant());
    }

    /**
     * Removes every session matching the criteria, in batches. Expired sessions are audited
     * {@code session.expired}; live ones (only with {@link CleanupCriteria.Selection#ALL}) are audited as
     * revoked with reason {@code cleanup}. Safe to run on several nodes at once: each removal is audited once.
     *
     * @param progress told the running total after each batch
     * @return how many sessions were removed
     */
    public long run(CleanupCriteria criteria, String actor, LongConsumer progress) {
        long removed = 0;
        while (true) {
            Instant now = clock.instant();
            List<Session> batch = store.nextForCleanup(criteria, now, BATCH);
            if (batch.isEmpty()) {
                return removed;
            }
            for (Session s : batch) {
                if (!store.delete(s.id())) {
                    continue;
                }
                removed++;
                if (s.revoked()) {
                    continue;
                }
                if (s.expiredAt(now)) {
                    audit.append(AuditEntry.of(s.tenant(), "session.expired").actor(actor).user(s.userId()).session(s.id())
                            .detail("idle", !s.idleExpiresAt().isAfter(now) && s.absoluteExpiresAt().isAfter(now)).build());
                } else {
                    audit.append(AuditEntry.of(s.tenant(), "session.revoked").actor(actor).user(s.userId()).session(s.id())
                            .detail("reason", "cleanup").build());
                }
            }
            progress.accept(removed);
            if (batch.size() < BATCH) {
                return removed;
            }
        }
    }
}
