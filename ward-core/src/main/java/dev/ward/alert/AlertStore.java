package dev.ward.alert;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Alerts, in the database beside the audit trail (raised in the transaction of what raised them). */
public interface AlertStore {
    void insert(Alert alert);

    /** Newest first; tenant null means every tenant, status null every status. */
    List<Alert> list(String tenant, String status, int limit);

    Optional<Alert> find(String id);

    /**
     * Deletes up to {@code limit} of the tenant's alerts raised before {@code cutoff} whose deliveries are all finished
     * (none pending), with their deliveries and delivery attempts; answers how many alerts went. Joins the caller's
     * transaction.
     */
    int deleteRaisedBefore(String tenant, Instant cutoff, int limit);

    /** Marks an open alert acknowledged; false when it was not open. */
    boolean acknowledge(String id, String by, Instant at);
}
