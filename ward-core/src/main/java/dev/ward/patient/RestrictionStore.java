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

    /** The {@code patient.data_read} events of that session and patient from the break until its expiry. */
    long readsUnder(BreakGlass breakGlass);
}
