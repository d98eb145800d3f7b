package dev.ward.auth;

import dev.ward.session.IssuedSession;
import dev.ward.user.User;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Every way a login can end; callers must handle each. */
public sealed interface LoginResult {
    /**
     * {@code permissions}: the session's role × module permissions under the policy the login was judged by, taken
     * before it committed, so that its answer needs no further read of the store (one that failed after the commit
     * would answer 503 for a login that is done and recorded).
     */
    record Authenticated(IssuedSession issued, User user, Map<String, List<String>> permissions) implements LoginResult {}

    /** Right password; the account has MFA, so the login finishes with a code against this {@code wmc_…} challenge. */
    record MfaRequired(String challenge, Instant expiresAt) implements LoginResult {
        @Override public String toString() { return "MfaRequired[challenge=<redacted>, expiresAt=" + expiresAt + "]"; }
    }

    /** Right password, but a role of the user requires MFA they have not set up: a session that may only enrol (aal 0). */
    record EnrollmentRequired(IssuedSession issued, User user, Map<String, List<String>> permissions) implements LoginResult {}

    /**
     * Unknown tenant or user, wrong password, disabled or locked: one answer to the caller, the reason only in
     * history. At the second step: {@link #CHALLENGE_INVALID} or {@link #WRONG_MFA_CODE}.
     */
    record Rejected(String reason) implements LoginResult {
        public static final String CHALLENGE_INVALID = "mfa_challenge_invalid";
        public static final String WRONG_MFA_CODE = "wrong_mfa_code";

        public boolean challengeInvalid() { return CHALLENGE_INVALID.equals(reason); }
    }

    record RateLimited(Duration retryAfter) implements LoginResult {}

    /**
     * The tenant allows logins only from {@code geo.allowed_countries}, and this one comes from elsewhere (or from a
     * public address that cannot be located). Answered the same whatever the account and password.
     */
    record LocationNotAllowed() implements LoginResult {}

    /** Right password, but the user has reached the concurrent-session limit under policy {@code reject}. */
    record SessionLimitReached(int limit) implements LoginResult {}
}
