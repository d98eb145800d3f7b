package dev.ward.alert;

import java.time.Instant;

/**
 * One alert on its way out over one channel: a row of the durable outbox, {@code pending} until the receiver took it
 * ({@code delivered}) or Ward gave up ({@code abandoned}, after {@link AlertDelivery#GIVE_UP_AFTER}). {@code payload} is
 * the JSON body fixed when the alert was raised, so every retry sends the same bytes.
 */
public record Delivery(String id, String alertId, String tenant, String channel, String payload, String status, int attempts,
                       Instant nextAttemptAt, Instant createdAt) {
    public static final String PENDING = "pending";
    public static final String DELIVERED = "delivered";
    public static final String ABANDONED = "abandoned";

    @Override
    public String toString() { return "Delivery[" + id + ", " + channel + ", " + status + "]"; }
}
