package dev.ward.detect;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The detectors' state, shared by every node (docs/decisions/0026-detectors.md, 0027-more-detectors.md): the failed
 * logins and other counted events inside the window, each user's last located login, and the incidents, open or
 * recently closed. Only the node holding the detection lock writes it.
 */
public interface DetectionStore {
    /** A login.failed event as the detectors count it: its seq, the address's bucket, the 16-bit username tag. */
    record Failure(long seq, Instant at, String userId, String ip, String usernameTag) {}

    /**
     * An event one detector counts about one subject (a user, a session): {@code item} is what is told apart (a patient,
     * the address a session moved to), {@code other} what it left (the address it moved from), {@code amount} what is
     * summed (bytes read); the seq is the evidence.
     */
    record Mark(long seq, Instant at, String subject, String item, String other, long amount) {}

    /** What a detector measures of one subject's marks in the window. */
    record Tally(int count, int distinctItems, long amount) {}

    /** A user's last located successful login, the point impossible travel measures the next one from. */
    record LocatedLogin(long seq, Instant at, double latitude, double longitude, String country, String city) {}

    /** An incident of one detector about one subject, and the alert raised when it opened. */
    record Incident(String alertId, Instant openedAt, Instant lastAt) {}

    /** Records a failure; false when its seq is recorded already (events read again after a step that failed). */
    boolean addFailure(String tenant, Failure failure);

    /** The account's failures at or after {@code since}, in seq order. */
    List<Failure> failuresOfUser(String tenant, String userId, Instant since);

    /** The failures from the address bucket at or after {@code since}, in seq order. */
    List<Failure> failuresFromIp(String tenant, String ip, Instant since);

    /** Records a detector's mark; false when that event's mark is recorded already (events read again). */
    boolean addMark(String tenant, String detector, Mark mark);

    /** The count, distinct items and summed amount of the subject's marks at or after {@code since}. */
    Tally tally(String tenant, String detector, String subject, Instant since);

    /** One item's share of a subject's marks: how many, and their summed amount (item null: marks without one). */
    record ItemTally(String item, int count, long amount) {}

    /** The subject's marks at or after {@code since}, grouped by item: what a step's running tally starts from. */
    List<ItemTally> tallyByItem(String tenant, String detector, String subject, Instant since);

    /** The subject's marks at or after {@code from} and before {@code to}: those a sliding window leaves behind. */
    List<Mark> marksBetween(String tenant, String detector, String subject, Instant from, Instant to);

    /** The seqs of the subject's marks at or after {@code since}, the most recent {@code limit}, in seq order. */
    List<Long> markSeqs(String tenant, String detector, String subject, Instant since, int limit);

    /** The subject's marks at or after {@code since} whose {@code other} is {@code other}, in seq order. */
    List<Mark> marksLeaving(String tenant, String detector, String subject, String other, Instant since);

    Optional<LocatedLogin> lastLogin(String tenant, String userId);

    void setLastLogin(String tenant, String userId, LocatedLogin login);

    Optional<Incident> incident(String tenant, String detector, String subject);

    /** How many incidents of the detector were opened (or reopened) at or after {@code since}. */
    int incidentsOpenedSince(String tenant, String detector, Instant since);

    /** Opens (or reopens, after a quiet period) the incident with its alert; joins the caller's transaction. */
    void openIncident(String tenant, String detector, String subject, String alertId, Instant at);

    /** A later failure of an open incident: it stays open until {@code at} plus the quiet period. */
    void extendIncident(String tenant, String detector, String subject, Instant at);

    /** Forgets failures and marks before {@code failuresBefore} and incidents last seen before {@code incidentsBefore}. */
    int prune(String tenant, Instant failuresBefore, Instant incidentsBefore);
}
