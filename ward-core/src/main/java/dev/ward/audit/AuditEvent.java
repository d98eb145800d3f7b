package dev.ward.audit;

import java.time.Instant;
import java.util.Map;

/** One stored entry of the append-only audit trail. {@code seq} orders the trail. */
public record AuditEvent(long seq, Instant at, String tenant, String type, String outcome, String actor,
                         String userId, String sessionId, String patientId, String ip, Map<String, Object> details) {
}
