package dev.ward.patient;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Restricted patients and the break-glass review queue, in the database (durable, audited in the same transaction). */
public interface RestrictionStore {
    Optional<Restriction> find(String tenant, String patientId);

    void put(Restriction restriction);

    boolean delete(String tenant, String patientId);

    void insert(BreakGlass breakGlass);

    Optional<BreakGlass> findBreakGlass(String id);

    /** Newest first; tenant null means every tenant, status null every status. */
    List<BreakGlass> list(String tenant, String status, int limit);

    /** Closes an open item with its review; false when it was not open. */
    boolean review(String id, boolean justified, String note, String by, Instant at);

    /** Breaks not yet marked ended, soonest expiry first (the sweep's work). */
    List<BreakGlass> unended(int limit);

    /** The session's breaks not yet marked ended, on that patient (on any when {@code patientId} is null). */
    List<BreakGlass> unendedOf(String sessionId, String patientId);

    /**
     * Marks a break ended (compare-and-set: false when it was marked already, by this node or another); joins the
     * caller's transaction, so the mark commits with the ending's event or not at all.
     */
    boolean markEnded(String id, String endedBy, Instant at);

    /** The {@code patient.data_read} events of that session and patient from the break until its expiry. */
    long readsUnder(BreakGlass breakGlass);
}
