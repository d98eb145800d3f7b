package dev.ward.auth;

import java.time.Instant;

/** One entry of the login history (seed 002). {@code failureReason} is null on success. */
public record LoginAttempt(Instant at, String tenant, String username, String userId, boolean succeeded,
                           String failureReason, String ip, String userAgent) {
    public String outcome() { return succeeded ? "succeeded" : "failed"; }
}
