package dev.ward.session;

import dev.ward.problem.StoreUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a session store outside the database from answering with a past it was restored to
 * (docs/decisions/0014-revocations-survive-a-redis-restore.md). Redis restarted from an older snapshot holds sessions
 * as live that were ended after the snapshot; before any session is trusted again, every node makes sure the revocations
 * recorded in the database have been re-applied to the Redis it now talks to, and answers 503 until they have.
 *
 * <p>The hot path pays two volatile reads: the store is asked again only when its connection was lost or made since the
 * last look (a restart always drops the connection), and otherwise at most every {@link #RECHECK} by one request.
 */
final class RestoreGuard {
    private static final Logger log = LoggerFactory.getLogger(RestoreGuard.class);
    /** How often the store is asked even when no connection change was seen (belt and braces). */
    static final Duration RECHECK = Duration.ofSeconds(5);
    /** How long a request waits for another one's look at a reconnected store before it answers 503. */
    static final Duration WAIT = Duration.ofSeconds(2);

    private final Optional<DetachedSessionStore> store;
    private final SessionRevocations revocations;
    private final Clock clock;
    private final ReentrantLock looking = new ReentrantLock();
    /** The store's connection count when it was last found reconciled; -1 before the first look. */
    private volatile long verifiedChanges = -1;
    private volatile long verifiedAtNanos;

    RestoreGuard(Optional<DetachedSessionStore> store, SessionRevocations revocations, Clock clock) {
        this.store = store;
        this.revocations = revocations;
        this.clock = clock;
    }

    /**
     * Returns once the store is known to hold every recorded revocation.
     *
     * @throws StoreUnavailableException when that cannot be known now (the store or the database does not answer, or
     *         another request is still re-applying them): fail closed
     */
    void ensureCurrent() {
        if (store.isEmpty()) {
            return;
        }
        long changes = store.get().connectionChanges();
        if (changes == verifiedChanges && System.nanoTime() - verifiedAtNanos < RECHECK.toNanos()) {
            return;
        }
        if (changes == verifiedChanges) {
            // Only the periodic look is due: one request makes it, the others go on (nothing suggests a restart).
            if (looking.tryLock()) {
                try {
                    look(false);
                } finally {
                    looking.unlock();
                }
            }
            return;
        }
        try {
            if (!looking.tryLock(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new StoreUnavailableException("redis", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("redis", e);
        }
        try {
            look(true);
        } finally {
            looking.unlock();
        }
    }

    private void look(boolean afterConnectionChange) {
        DetachedSessionStore d = store.get();
        // Read before asking: a change that happens while we look is looked at again by the next request.
        long changes = d.connectionChanges();
        if (afterConnectionChange && changes == verifiedChanges) {
            return; // another request looked meanwhile
        }
        Optional<String> generation = d.unreconciled();
        if (generation.isPresent()) {
            var now = clock.instant();
            var live = revocations.live(now);
            int ended = d.reapply(live, generation.get(), now);
            log.warn("Redis is not the one this deployment last reconciled (restarted, restored or failed over): "
                    + "re-applied {} recorded revocation(s), {} session(s) it held as live ended again", live.size(), ended);
        }
        verifiedChanges = changes;
        verifiedAtNanos = System.nanoTime();
    }
}
