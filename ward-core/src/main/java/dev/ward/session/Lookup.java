package dev.ward.session;

import dev.ward.patient.PatientContext;
import java.util.List;
import java.util.Optional;

/** What the store found for a token hash: the one round trip of validation. */
public sealed interface Lookup {
    /**
     * Alive: the use was counted and the idle timeout slid.
     * @param current  false when the token is the previous one, accepted during the rotation grace period
     * @param patients the session's live patient contexts, oldest first, when the store read them in the same round
     *                 trip (Redis: they live in the session's slot); empty when it did not, and the caller asks the
     *                 patient store
     */
    record Touched(Session session, boolean current, Optional<List<PatientContext>> patients) implements Lookup {
        public Touched(Session session, boolean current) {
            this(session, current, Optional.empty());
        }
    }
    record Expired(Session session) implements Lookup {}
    /** A token replaced by rotation whose grace period is over. */
    record Superseded(Session session) implements Lookup {}
    record Revoked(Session session) implements Lookup {}
    /** Alive but belongs to another tenant than the caller's; not counted as a use. */
    record OtherTenant(Session session) implements Lookup {}
    record Unknown() implements Lookup {}
}
