package dev.ward.auth;

import dev.ward.session.Client;
import java.time.Instant;

/**
 * A login waiting for its second factor, known by the SHA-256 of its {@code wmc_…} token (the token itself
 * is never stored). {@code client} is where the password came from; the session opens for it.
 */
public record MfaChallenge(String hash, String tenant, String userId, Client client, Instant expiresAt, int failures) {
    public boolean liveAt(Instant now) { return expiresAt.isAfter(now); }
}
