package dev.ward.audit;

import java.time.Clock;
import java.util.List;

/** Ward's one entry point for recording audit events. */
public final class AuditTrail {
    private final AuditStore store;
    private final Clock clock;

    public AuditTrail(AuditStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    public long append(AuditEntry entry) {
        return store.append(clock.instant(), entry);
    }

    public List<AuditEvent> recent(String tenant, String type, int limit) {
        return store.recent(tenant, type, limit);
    }
}
