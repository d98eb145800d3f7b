package dev.ward.problem;

import java.time.Duration;

/**
 * How long one request may go on waiting for the database, in all (issue 17, item 4). Each single wait is bounded
 * already (a pooled connection, a socket that should be answering, an audit append: a few seconds each), but a request
 * that meets a silent database makes several of them in a row — the statement that hangs, then the check of a commit in
 * doubt, then the take-back — and the fault-injection run saw a login answer after 8.7 s that way, the pause it was
 * meant to be bounded by. So a request is given {@link #REQUEST} from its first wait on the database; every later wait
 * is cut to what is left, and once nothing is left the next one fails at once with {@code 503 store_unavailable}.
 *
 * <p>Scoped to the thread: the HTTP layer {@linkplain #open opens} one per request and {@linkplain #close closes} it.
 * Work outside a request (sweeps, repairs, the CLI) has none and keeps the single-wait bounds alone. The clock starts
 * at the first wait, not at the request's arrival, so time spent hashing a password under load is not held against
 * the store. Redis calls are not cut: each is bounded at 2 s, and a take-back in Redis that gave up early would leave
 * a change for the repair that could have been undone at once.
 */
public final class StoreDeadline {
    /** The database time a request may take, from its first wait: below the 5 s a client would call a hang. */
    public static final Duration REQUEST = Duration.ofSeconds(4);

    /** The budget, and when it ends (0 until the first wait starts the clock). */
    private static final class Scope {
        final long budgetNanos;
        long endsAt;

        Scope(long budgetNanos) { this.budgetNanos = budgetNanos; }
    }

    private static final ThreadLocal<Scope> CURRENT = new ThreadLocal<>();

    private StoreDeadline() {}

    /** Gives this thread's request {@link #REQUEST} of database time. */
    public static void open() { open(REQUEST); }

    /** Gives this thread's request {@code budget} of database time (tests use shorter ones). */
    public static void open(Duration budget) {
        if (budget.isNegative() || budget.isZero()) {
            throw new IllegalArgumentException("a deadline needs a positive budget");
        }
        CURRENT.set(new Scope(budget.toNanos()));
    }

    /** Ends this thread's scope; waits are bounded by their own limits alone again. */
    public static void close() { CURRENT.remove(); }

    /**
     * The longest the next wait on {@code store} may last: {@code limit}, or less when the request's budget ends sooner.
     * The first call of a scope starts its clock.
     *
     * @throws StoreUnavailableException when the budget is spent: the request is answered 503 without waiting again
     */
    public static long waitNanos(Duration limit, String store) {
        long cap = limit.toNanos();
        Scope s = CURRENT.get();
        if (s == null) {
            return cap;
        }
        long now = System.nanoTime();
        if (s.endsAt == 0) {
            s.endsAt = now + s.budgetNanos;
            if (s.endsAt == 0) {
                s.endsAt = 1; // 0 means "not started"
            }
        }
        long left = s.endsAt - now;
        if (left <= 0) {
            throw new StoreUnavailableException(store, "the request's time for it is spent", null);
        }
        return Math.min(cap, left);
    }

    /** {@link #waitNanos} in whole milliseconds, at least 1 (a JDBC timeout of 0 means "no limit"). */
    public static long waitMillis(Duration limit, String store) {
        return Math.max(1, waitNanos(limit, store) / 1_000_000);
    }
}
