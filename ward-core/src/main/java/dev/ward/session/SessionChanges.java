package dev.ward.session;

import dev.ward.audit.AuditTrail;
import dev.ward.problem.StoreDeadline;
import dev.ward.problem.StoreUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Every change to the session store goes through here with what records it (audit events, login history), so the
 * outcome is one of two: done and recorded, or not done (docs/decisions/0011-order-of-effects.md). With sessions in
 * the database both commit in one transaction. With sessions in Redis, an intent is written first, the change made,
 * then the records and the intent's deletion commit together; an interruption between leaves the intent for
 * {@link SessionService#repairInterrupted} to finish or undo. A login or rotation answered as refused while the database
 * could not say whether its records committed also leaves its answer ({@link RefusedChanges}), for the repair to end or
 * take back should the intent turn out gone (decision 0015).
 */
public final class SessionChanges {
    private final Optional<DetachedSessionStore> detached;
    private final SessionIntents intents;
    private final RefusedChanges refusals;
    /** The kinds whose refusal, when their outcome cannot be told, is kept for the repair (see {@link RefusedChanges}). */
    private final Set<String> answerKept;
    private final AuditTrail audit;
    private final Clock clock;

    SessionChanges(SessionStore store, SessionIntents intents, RefusedChanges refusals, Set<String> answerKept, AuditTrail audit,
                   Clock clock) {
        this.detached = store instanceof DetachedSessionStore d ? Optional.of(d) : Optional.empty();
        this.intents = intents;
        this.refusals = refusals;
        this.answerKept = answerKept;
        this.audit = audit;
        this.clock = clock;
    }

    public Optional<DetachedSessionStore> detached() { return detached; }

    /**
     * How long the check of a commit in doubt keeps asking (never past the request's database time): long enough to
     * outlast a blip, the pool reconnecting, or a PostgreSQL restart of a second or two.
     */
    static final Duration IN_DOUBT_WAIT = Duration.ofSeconds(3);
    /** Tries made back to back before the check starts pausing between them. */
    private static final int QUICK_TRIES = 4;
    private static final long PAUSE_MILLIS = 100;

    /**
     * Whether the intent is still there (its records did not commit); null when the database cannot say now. A drop that
     * failed the commit takes the pool's other connections down with it more often than not, and the pool hands each
     * dead one out once (it fails at once and is thrown away) before it opens a fresh one; a database that refuses
     * connections for a moment answers again a moment later. So the question is asked again until it is answered, for
     * up to {@link #IN_DOUBT_WAIT}. Three tries in a row were not enough: the fault-injection run found a login answered
     * 503 whose records had committed, every try having met a dead connection.
     */
    private Boolean pendingOrUnknown(long intent) {
        long until;
        try {
            // Never past the request's database time: once that is spent every try fails at once, and pausing between
            // them only kept the answer back (the suite saw an admin revoke answer 503 after 6.2 s that way).
            until = System.nanoTime() + StoreDeadline.waitNanos(IN_DOUBT_WAIT, "database");
        } catch (StoreUnavailableException spent) {
            return null;
        }
        for (int attempt = 0; ; attempt++) {
            try {
                return intents.pending(intent);
            } catch (RuntimeException unknown) {
                if (System.nanoTime() - until > 0) {
                    return null;
                }
                if (attempt >= QUICK_TRIES && !pause()) {
                    return null;
                }
            }
        }
    }

    private static boolean pause() {
        try {
            Thread.sleep(PAUSE_MILLIS); // a real wait for a real database, not a clock of Ward's
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Makes {@code change} and runs {@code record} with its result where it commits with it. {@code kind} and
     * {@code payload} say what a repair needs should the two be parted (Redis only).
     */
    public <R> R make(String kind, String tenant, String userId, Map<String, Object> payload, Supplier<R> change, Consumer<R> record) {
        return make(kind, tenant, userId, payload, change, record, result -> { });
    }

    /**
     * As above; should the records fail to commit after the change was made in Redis, {@code takeBack} is tried at once
     * (best effort), so that, say, a login's session does not hold a place under the user's limit until the repair.
     */
    public <R> R make(String kind, String tenant, String userId, Map<String, Object> payload, Supplier<R> change, Consumer<R> record,
               Consumer<R> takeBack) {
        if (detached.isEmpty()) {
            return audit.atomically(() -> {
                R result = change.get();
                record.accept(result);
                return result;
            });
        }
        long intent = intents.begin(kind, tenant, userId, payload, clock.instant());
        // Should the change fail or time out (it may have happened or not), the intent stays: the repair looks.
        R result = change.get();
        boolean[] claimed = {false};
        try {
            audit.atomically(() -> {
                record.accept(result);
                if (!intents.done(intent)) {
                    // A repair took the change over (it outlasted the repair's wait); its outcome stands, not this one.
                    claimed[0] = true;
                    throw new StoreUnavailableException("database", null);
                }
            });
        } catch (RuntimeException e) {
            if (!claimed[0]) {
                // The records may have committed with only the answer lost (the connection dropped at the COMMIT): the
                // intent, deleted by that very commit, says which. Taking back a change whose records did commit would
                // leave the trail saying what is no longer so (decision 0015).
                Boolean pending = pendingOrUnknown(intent);
                if (pending == null) {
                    // Cannot tell now: the repair will, from the intent (undone if it is still there) and, should the
                    // intent be gone, from the refusal kept here — the records then say done what the answer says not.
                    keepRefusal(intent, kind, tenant, userId, payload, e);
                    throw e;
                }
                if (!pending) {
                    return result; // done and recorded
                }
            }
            try {
                takeBack.accept(result);
            } catch (RuntimeException ignored) {
                // the repair takes it back later; the caller reports the original failure
            }
            throw e;
        }
        return result;
    }

    private void keepRefusal(long intent, String kind, String tenant, String userId, Map<String, Object> payload, RuntimeException e) {
        if (!answerKept.contains(kind)) {
            return;
        }
        try {
            refusals.record(new RefusedChanges.Refused(intent, kind, tenant, userId, payload, clock.instant()));
        } catch (RuntimeException notKept) {
            // Redis is away too: the change stands, done and recorded, with its answer lost (decision 0015).
            e.addSuppressed(notKept);
        }
    }
}
