package dev.ward.problem;

import java.time.Duration;

/**
 * How long one request may wait for the database, in all (issue 17, item 4). Each single wait is bounded already (a
 * pooled connection, a socket that should be answering, an audit append: a few seconds each), but a request that meets
 * a silent database makes several in a row — the statement that hangs, then the check of a commit in doubt, then the
 * take-back — and the fault-injection run saw a login answer after 8.7 s that way, the whole pause it was meant to be
 * bounded by. So a request is given {@link #REQUEST} of database time: every wait is cut to what is left, what it took
 * is {@linkplain #charge charged}, and once nothing is left the next wait fails at once with {@code 503
 * store_unavailable}.
 *
 * <p>Only time spent waiting on the database counts, not the time between: a password hashed on a loaded machine (which
 * may take seconds) is not the store's time, and counting it made healthy logins answer 503 under load. Scoped to the
 * thread: the HTTP layer {@linkplain #open opens} one per request and {@linkplain #close closes} it. Work outside a
 * request (sweeps, repairs, the CLI) has none and keeps the single-wait bounds alone. Redis calls are not cut: each is
 * bounded at 2 s, and a take-back in Redis that gave up early would leave a change for the repair that could have been
 * undone at once.
 */
public final class StoreDeadline {
    /** The database time a request may take in all: below the 5 s a client would call a hang. */
    public static final Duration REQUEST = Duration.ofSeconds(4);

    /** What is left of a request's database time. */
    private static final class Scope {
        long leftNanos;

        Scope(long leftNanos) { this.leftNanos = leftNanos; }
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
     * The longest the next wait on {@code store} may last: {@code limit}, or less when less of the request's database time
     * is left.
     *
     * @throws StoreUnavailableException when it is spent: the request is answered 503 without waiting again
     */
    public static long waitNanos(Duration limit, String store) {
        long cap = limit.toNanos();
        Scope s = CURRENT.get();
        if (s == null) {
            return cap;
        }
        if (s.leftNanos <= 0) {
            throw new StoreUnavailableException(store, "the request's time for it is spent", null);
        }
        return Math.min(cap, s.leftNanos);
    }

    /** {@link #waitNanos} in whole milliseconds, at least 1 (a JDBC timeout of 0 means "no limit"). */
    public static long waitMillis(Duration limit, String store) {
        return Math.max(1, waitNanos(limit, store) / 1_000_000);
    }

    /** Counts {@code nanos} spent waiting on the database against this thread's request, if it has one. */
    public static void charge(long nanos) {
        Scope s = CURRENT.get();
        if (s != null && nanos > 0) {
            s.leftNanos -= nanos;
        }
    }
}
