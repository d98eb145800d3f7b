package dev.ward.session;

import dev.ward.patient.PatientContext;
import java.util.List;
import java.util.Optional;

/** The outcome of presenting a session token. */
public sealed interface Validation {
    /**
     * @param rotatedToken a new token the holder must switch to; the presented one works only through the grace period
     * @param patients     the session's live patient contexts when the store read them with the session (one round
     *                     trip); empty when it did not
     */
    record Valid(Session session, Optional<String> rotatedToken, Optional<List<PatientContext>> patients)
            implements Validation {
        public Valid(Session session, Optional<String> rotatedToken) {
            this(session, rotatedToken, Optional.empty());
        }

        Valid withPatients(Optional<List<PatientContext>> read) {
            return new Valid(session, rotatedToken, read);
        }

        @Override public String toString() { return "Valid[" + session.id() + "]"; }
    }

    /**
     * {@code code} is one of the API's stable codes: session_invalid, session_expired, session_revoked,
     * session_tenant_mismatch; {@code reason} says why a session was revoked (logout, admin, evicted, binding, …).
     */
    record Invalid(String code, String detail, Optional<String> reason) implements Validation {}
}
