package dev.ward.session;

/** The outcome of presenting a session token. */
public sealed interface Validation {
    record Valid(Session session) implements Validation {}

    /** {@code code} is one of the API's stable codes: session_invalid, session_expired, session_revoked, session_tenant_mismatch. */
    record Invalid(String code, String detail) implements Validation {}
}
