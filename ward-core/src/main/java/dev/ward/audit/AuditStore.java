package dev.ward.audit;

import java.time.Instant;
import java.util.List;

/** Append-only storage of audit events. There is deliberately no update and no delete. */
public interface AuditStore {
    /** Appends and returns the assigned sequence number. */
    long append(Instant at, AuditEntry entry);

    /** Newest first, at most {@code limit}; {@code tenant} null means every tenant. */
    List<AuditEvent> recent(String tenant, String type, int limit);
}
