package dev.ward.auth;

import dev.ward.geo.Location;
import java.time.Instant;
import java.util.Optional;

/**
 * One entry of the login history (seed 002). {@code failureReason} is null on success; {@code location} is where the
 * address was, by the GeoIP database in use at the time (C8).
 */
public record LoginAttempt(Instant at, String tenant, String username, String userId, boolean succeeded,
                           String failureReason, String ip, String userAgent, Optional<Location> location) {
    public String outcome() { return succeeded ? "succeeded" : "failed"; }
}
