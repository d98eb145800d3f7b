package dev.ward.session;

import java.util.Optional;

/** The outcome of presenting a session token. */
public sealed interface Validation {
    /** @param rotatedToken a new token the holder must switch to; the presented one works only through the grace period */
    record Valid(Session session, Optional<String> rotatedToken) implements Validation {
        @Override public String toString() { return "Valid[" + session.id() + "]"; }
    }

    /**
     * {@code code} is one of the API's stable codes: session_invalid, session_expired, session_revoked,
     * session_tenant_mismatch; {@code reason} says why a session was revoked (logout, admin, evicted, binding, …).
     */
    record Invalid(String code, String detail, Optional<String> reason) implements Validation {}
}
