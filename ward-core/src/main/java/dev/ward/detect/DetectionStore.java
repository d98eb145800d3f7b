package dev.ward.detect;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The detectors' state, shared by every node (docs/decisions/0026-detectors.md): the failed logins inside the window
 * and the incidents, open or recently closed. Only the node holding the detection lock writes it.
 */
public interface DetectionStore {
    /** A login.failed event as the detectors count it: its seq, the address's bucket, the 16-bit username tag. */
    record Failure(long seq, Instant at, String userId, String ip, String usernameTag) {}

    /** An incident of one detector about one subject, and the alert raised when it opened. */
    record Incident(String alertId, Instant openedAt, Instant lastAt) {}

    /** Records a failure; false when its seq is recorded already (events read again after a step that failed). */
    boolean addFailure(String tenant, Failure failure);

    /** The account's failures at or after {@code since}, in seq order. */
    List<Failure> failuresOfUser(String tenant, String userId, Instant since);

    /** The failures from the address bucket at or after {@code since}, in seq order. */
    List<Failure> failuresFromIp(String tenant, String ip, Instant since);

    Optional<Incident> incident(String tenant, String detector, String subject);

    /** Opens (or reopens, after a quiet period) the incident with its alert; joins the caller's transaction. */
    void openIncident(String tenant, String detector, String subject, String alertId, Instant at);

    /** A later failure of an open incident: it stays open until {@code at} plus the quiet period. */
    void extendIncident(String tenant, String detector, String subject, Instant at);

    /** Forgets failures before {@code failuresBefore} and incidents last seen before {@code incidentsBefore}. */
    int prune(String tenant, Instant failuresBefore, Instant incidentsBefore);
}
