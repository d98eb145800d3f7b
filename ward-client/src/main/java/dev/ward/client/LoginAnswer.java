package dev.ward.client;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Ward's answer to a login or to its second step ({@code POST /v1/auth/login}, {@code /v1/auth/mfa/verify}). Sealed, so
 * that an app handles every case; no case shows a token or challenge in {@code toString()}.
 */
public sealed interface LoginAnswer {

    /** Signed in: hand {@code token} to the browser (the session cookie) and nothing else. */
    record Authenticated(WardSession session, String token) implements LoginAnswer {
        @Override public String toString() { return "Authenticated[" + session + "]"; }
    }

    /** The password was right; a second factor is due: {@link WardClient#verifyMfa} with {@code challenge}. */
    record MfaRequired(String challenge, List<String> methods, Instant expiresAt) implements LoginAnswer {
        public MfaRequired {
            methods = List.copyOf(methods);
        }

        @Override public String toString() { return "MfaRequired" + methods; }
    }

    /**
     * A role of the user requires MFA, which it has not set up: {@code token} opens a session that may only enrol
     * ({@code /v1/me/mfa/*}) and log out. The app sets it as the cookie and sends the person to its enrolment page.
     */
    record MfaEnrollmentRequired(WardSession session, String token) implements LoginAnswer {
        @Override public String toString() { return "MfaEnrollmentRequired[" + session + "]"; }
    }

    /**
     * Ward said no: {@code invalid_credentials} (one answer for every reason), {@code invalid_mfa_code},
     * {@code mfa_challenge_invalid}, {@code rate_limited} (with {@code retryAfter}), {@code session_limit_reached},
     * {@code location_not_allowed}, {@code validation_failed}, ….
     */
    record Refused(int status, String code, Optional<Duration> retryAfter) implements LoginAnswer {}

    /** No answer to trust (unreachable, timed out, 5xx, garbage, a misconfigured API key): nobody is signed in. */
    record Unavailable(String cause) implements LoginAnswer {}
}
