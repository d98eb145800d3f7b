package dev.ward.audit;

import java.time.Instant;
import java.util.List;

/**
 * Reads a tenant's trail for people: search pages and export pages. Every method answers one bounded page, so a caller
 * walking millions of events holds one page at a time (issue 11: exports in constant memory).
 */
public interface AuditReader {
    /** The query's events, newest (highest seq) first, at most {@code query.limit()}. */
    List<AuditEvent> search(AuditQuery query);

    /**
     * The tenant's events with a seq above {@code afterSeq}, at or after {@code from} and before {@code to} (either null:
     * unbounded), in chain order, at most {@code limit}.
     */
    List<AuditEvent> page(String tenant, Instant from, Instant to, long afterSeq, int limit);

    /**
     * As {@link #page}, for the events naming one patient with a seq below {@code beforeSeq} too: a forward walk of the
     * trail's patient index (tenant, patient, seq), so that a patient's few events are found among millions.
     */
    List<AuditEvent> patientPage(String tenant, String patientId, Instant from, Instant to, long afterSeq, long beforeSeq,
                                 int limit);

    /** How many of the tenant's events fall in the window (either end null: unbounded). */
    long count(String tenant, Instant from, Instant to);

    /** The distinct event types the tenant's trail holds, in order. */
    List<String> types(String tenant);
}
