package dev.ward.audit;

import java.time.Instant;

/**
 * One page of a search of a tenant's trail, newest first: every filter that is not null must hold ({@code type} is one
 * exact type here: prefixes are expanded by {@link AuditSearch}). {@code from} is inclusive, {@code to} exclusive;
 * {@code beforeSeq} (0 for the first page) keeps only events older than the previous page's last one.
 */
public record AuditQuery(String tenant, String userId, String patientId, String type, Instant from, Instant to,
                         long beforeSeq, int limit) {
    public AuditQuery withType(String exactType) {
        return new AuditQuery(tenant, userId, patientId, exactType, from, to, beforeSeq, limit);
    }
}
