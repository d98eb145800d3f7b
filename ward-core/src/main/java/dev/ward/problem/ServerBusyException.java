package dev.ward.problem;

import java.time.Duration;

/**
 * Ward is at capacity for a kind of work (password hashing) and refuses more rather than queue it without
 * bound. The HTTP layer answers {@code 503 server_busy} with {@code Retry-After}. Carries no request data.
 */
public final class ServerBusyException extends RuntimeException {
    private final Duration retryAfter;

    public ServerBusyException(String what, Duration retryAfter) {
        // No stack trace: under a flood this is thrown many times a second, and it is an outcome, not a bug.
        super(what + " is at capacity", null, false, false);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() { return retryAfter; }

    /** Whole seconds, rounded up, at least 1: what {@code Retry-After} can say. */
    public long retryAfterSeconds() {
        return Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    }
}
