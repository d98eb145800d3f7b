package dev.ward.auth;

import dev.ward.user.OpenChallenges;
import java.time.Instant;
import java.util.Optional;

/** Pending MFA logins, shared by every node (a challenge answered on another node than the login still works). */
public interface MfaChallengeStore extends OpenChallenges {
    void create(MfaChallenge challenge);

    Optional<MfaChallenge> find(String hash);

    /**
     * Takes one of the challenge's {@code max} attempts, atomically and before the code is checked, so that
     * parallel requests cannot test more codes than that; false when none is left, or it expired or is gone.
     */
    boolean reserveAttempt(String hash, int max, Instant now);

    /** Removes the challenge; true for exactly one caller, however many race (single use across nodes). */
    boolean consume(String hash);

    /** Removes challenges expired at {@code now}; how many. */
    int deleteExpired(Instant now);
}
