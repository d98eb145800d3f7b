package dev.ward.alert;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The durable outbox of alert deliveries, in the database beside the alerts: a delivery is enqueued in the transaction
 * that raises its alert, so an alert that exists is one that will be sent, across restarts and receiver outages. A
 * node claims one due delivery at a time under a lease, so one node sends a given delivery; a node that dies
 * mid-send leaves it to another once its lease has run out.
 */
public interface DeliveryOutbox {
    /** Enqueues a delivery of {@code payload} (serialised as JSON) per channel; joins the caller's transaction. */
    void enqueue(Alert alert, List<String> channels, Map<String, Object> payload, Instant at);

    /**
     * Claims the most overdue pending delivery due at {@code now} that no other node holds a running lease on, for
     * {@code node} until {@code leaseUntil}; empty when there is none.
     */
    Optional<Delivery> claimDue(Instant now, String node, Instant leaseUntil);

    /**
     * Records an attempt and the delivery's next state ({@code status}, and when to try again if still pending), and
     * releases the claim; false, recording nothing, when {@code node} no longer holds the claim.
     */
    boolean finish(Delivery delivery, String node, DeliveryAttempt attempt, String status, Instant nextAttemptAt);

    /** Every attempt to deliver the alert, oldest first. */
    List<DeliveryAttempt> attempts(String alertId);

    /** The alert's deliveries, one per channel. */
    List<Delivery> deliveries(String alertId);
}
