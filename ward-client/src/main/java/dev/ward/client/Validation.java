package dev.ward.client;

import java.util.Optional;

/**
 * The outcome of validating a session token ({@code POST /v1/sessions/validate}). Only {@link Valid} lets a request
 * through; every fault of Ward or of the way to it is {@link Unavailable}, never {@code Valid} (fail closed).
 */
public sealed interface Validation {

    /**
     * A live session. With {@code rotatedToken} the app must hand the new token to the browser (the old one works only
     * for the rotation grace period).
     */
    record Valid(WardSession session, Optional<String> rotatedToken) implements Validation {
        @Override public String toString() { return "Valid[" + session + (rotatedToken.isPresent() ? ", rotated" : "") + "]"; }
    }

    /**
     * No live session: {@code code} is Ward's ({@code session_invalid}, {@code session_expired}, {@code session_revoked},
     * {@code session_tenant_mismatch}); {@code reason} says why a session was revoked ({@code logout}, {@code binding},
     * {@code evicted}, …) where Ward tells.
     */
    record Invalid(String code, Optional<String> reason) implements Validation {}

    /**
     * A live session that may not do this: {@code mfa_enrollment_required} (it may only enrol MFA) or
     * {@code permission_denied} (the {@link Require} is not granted). The session stays valid, and a rotation made on
     * the way still reaches the app in {@code rotatedToken}.
     */
    record Forbidden(String code, Optional<String> rotatedToken) implements Validation {
        @Override public String toString() { return "Forbidden[" + code + (rotatedToken.isPresent() ? ", rotated" : "") + "]"; }
    }

    /** Ward could not vouch for the session (unreachable, timed out, 5xx, garbage, misconfigured key): refuse the request. */
    record Unavailable(String cause) implements Validation {}
}
