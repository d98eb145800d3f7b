package dev.ward.auth;

import java.time.Instant;
import java.util.Optional;

/** Pending MFA logins, shared by every node (a challenge answered on another node than the login still works). */
public interface MfaChallengeStore {
    void create(MfaChallenge challenge);

    Optional<MfaChallenge> find(String hash);

    /** Atomically counts one wrong code; the count after it (0 when the challenge is gone). */
    int recordFailure(String hash);

    /** Removes the challenge; true for exactly one caller, however many race (single use across nodes). */
    boolean consume(String hash);

    /** Removes challenges expired at {@code now}; how many. */
    int deleteExpired(Instant now);
}
