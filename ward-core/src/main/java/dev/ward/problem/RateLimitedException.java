package dev.ward.problem;

import java.time.Duration;

/**
 * A caller used up a rate limit (C8): the HTTP layer answers {@code 429 rate_limited} with {@code Retry-After}.
 * {@code what} says whose budget it was ("calls for this session", "login attempts"); it names no address, key,
 * token or patient.
 */
public final class RateLimitedException extends RuntimeException {
    private final Duration retryAfter;

    public RateLimitedException(String what, Duration retryAfter) {
        // No stack trace: under a flood this is thrown for every request, and it is an outcome, not a bug.
        super("Too many " + what, null, false, false);
        this.retryAfter = retryAfter;
    }

    /** Whole seconds, rounded up, at least 1: what {@code Retry-After} can say. */
    public long retryAfterSeconds() {
        return Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    }
}
