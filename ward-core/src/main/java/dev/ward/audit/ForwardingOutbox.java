package dev.ward.audit;

import java.util.Map;
import java.util.function.LongUnaryOperator;

/**
 * The durable outbox of a copy of the trail sent elsewhere: per tenant, the seq of the last event known to be
 * delivered, and a lock so that one node of a cluster forwards at a time.
 */
public interface ForwardingOutbox {
    /**
     * Under the cluster-wide forwarding lock: hands {@code send} the tenant's position (0 before the first event)
     * and records the position it returns. Returns false, without calling {@code send}, when another node holds
     * the lock. If {@code send} throws, the position stays where it was.
     */
    boolean step(String tenant, LongUnaryOperator send);

    /** The recorded position of every tenant that has one. */
    Map<String, Long> positions();
}
