package dev.ward.alert;

import java.time.Instant;

/**
 * One try to hand an alert to a receiver (API.md {@code GET /v1/admin/alerts/{id}/deliveries}): {@code outcome}
 * {@code delivered} or {@code failed}, the receiver's HTTP status where there was one, and for a failure a short
 * machine-readable reason ({@code http_status}, {@code connect_failed}, {@code timeout}, …), never a message that could
 * carry a host's answer.
 */
public record DeliveryAttempt(String alertId, String channel, Instant at, String outcome, Integer statusCode, String error) {
    public static final String DELIVERED = "delivered";
    public static final String FAILED = "failed";
}
