package dev.ward.audit;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** Ward's one entry point for recording audit events. */
public final class AuditTrail {
    private final AuditStore store;
    private final Clock clock;

    public AuditTrail(AuditStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * Records an event, durably before this returns; inside {@link Transactions#atomically}, in the same transaction as
     * the change it records.
     */
    public void append(AuditEntry entry) {
        store.append(clock.instant().truncatedTo(ChronoUnit.MILLIS), List.of(entry));
    }

    /** Records an event outside any change of state (an app's own event, say) and answers its position in the chain. */
    public long record(AuditEntry entry) {
        return store.appendOne(clock.instant().truncatedTo(ChronoUnit.MILLIS), entry);
    }

    /** Records several events at once, in this order. */
    public void appendAll(List<AuditEntry> entries) {
        if (!entries.isEmpty()) {
            store.append(clock.instant().truncatedTo(ChronoUnit.MILLIS), entries);
        }
    }

    public List<AuditEvent> recent(String tenant, String type, int limit) {
        return store.recent(tenant, type, limit);
    }
}
