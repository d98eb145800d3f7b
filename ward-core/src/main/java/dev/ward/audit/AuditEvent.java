package dev.ward.audit;

import java.time.Instant;
import java.util.Map;

/**
 * One stored event of a tenant's audit trail: {@code seq} is its position in the tenant's chain (1, 2, …), {@code hash}
 * its chain hash and {@code prevHash} the hash of the event before it ({@link AuditChain}).
 */
public record AuditEvent(long seq, Instant at, String tenant, String type, String outcome, String actor,
                         String userId, String sessionId, String patientId, String ip, Map<String, Object> details,
                         String prevHash, String hash) {
}
