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
    private final SessionIntents intents;
    private final SessionRevocations revocations;
    private final AuditTrail audit;
    private final Clock clock;
    private volatile SessionData data = SessionData.NONE;

    /** @param revocations where a live session removed from Redis is remembered as ended (decision 0014) */
    public SessionCleanup(SessionStore store, SessionIntents intents, SessionRevocations revocations, AuditTrail audit,
                          Clock clock) {
        this.store = store;
        this.intents = intents;
        this.revocations = revocations;
        this.audit = audit;
        this.clock = clock;
    }

    /** Data kept for sessions elsewhere (patient contexts) is removed, and recorded, with each session removed. */
    public void clearsWith(SessionData data) {
        this.data = data;
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
            removed += remove(batch, actor, now);
            progress.accept(removed);
            if (batch.size() < BATCH) {
                return removed;
            }
        }
    }

    /**
     * Removes a batch, each removal with its event: in the database one transaction per session; with Redis, an intent
     * for the batch first (its planned events), so an interruption is finished by {@link SessionService#repairInterrupted}.
     */
    private int remove(List<Session> batch, String actor, Instant now) {
        if (!(store instanceof DetachedSessionStore)) {
            int removed = 0;
            for (Session s : batch) {
                boolean gone = audit.atomically(() -> {
                    SessionData.Cleared cleared = data.clear(s, clearReason(s, now), actor);
                    if (!store.delete(s.id())) {
                        return false;
                    }
                    audit.appendAll(cleared.events());
                    event(s, actor, now).ifPresent(audit::append);
                    return true;
                });
                removed += gone ? 1 : 0;
            }
            return removed;
        }
        List<Map<String, Object>> planned = batch.stream().map(s -> Map.<String, Object>of("session_id", s.id(), "tenant", s.tenant(),
                "user_id", s.userId(), "type", event(s, actor, now).map(AuditEntry::type).orElse(""),
                "idle", !s.idleExpiresAt().isAfter(now) && s.absoluteExpiresAt().isAfter(now))).toList();
        long intent = intents.begin(SessionService.CLEANUP, "*", "*", Map.of("actor", actor, "sessions", planned), now);
        List<AuditEntry> cleared = new java.util.ArrayList<>();
        List<Session> deleted = batch.stream().filter(s -> {
            cleared.addAll(data.clear(s, clearReason(s, now), actor).events());
            return store.delete(s.id());
        }).toList();
        audit.atomically(() -> {
            audit.appendAll(cleared);
            deleted.forEach(s -> event(s, actor, now).ifPresent(audit::append));
            // A live session removed: were Redis restored from before, its copy must not come back to life.
            deleted.stream().filter(s -> s.liveAt(now)).forEach(s -> revocations.record(s, "cleanup", now));
            intents.done(intent);
        });
        return deleted.size();
    }

    /** Why a removed session's patient contexts went: its expiry, or the cleanup itself. */
    private static String clearReason(Session s, Instant now) {
        return !s.revoked() && s.expiredAt(now) ? "session_expired" : "cleanup";
    }

    /** What a removal records: nothing for a session already ended by revocation (that was audited when it happened). */
    static java.util.Optional<AuditEntry> event(Session s, String actor, Instant now) {
        if (s.revoked()) {
            return java.util.Optional.empty();
        }
        if (s.expiredAt(now)) {
            return java.util.Optional.of(AuditEntry.of(s.tenant(), "session.expired").actor(actor).user(s.userId()).session(s.id())
                    .detail("idle", !s.idleExpiresAt().isAfter(now) && s.absoluteExpiresAt().isAfter(now)).build());
        }
        return java.util.Optional.of(AuditEntry.of(s.tenant(), "session.revoked").actor(actor).user(s.userId()).session(s.id())
                .detail("reason", "cleanup").build());
    }
}
