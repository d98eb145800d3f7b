package dev.ward.audit;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** Ward's one entry point for recording audit events, and for changes that must not happen without theirs. */
public final class AuditTrail {
    private final AuditStore store;
    private final Transactions transactions;
    private final Clock clock;

    public AuditTrail(AuditStore store, Transactions transactions, Clock clock) {
        this.store = store;
        this.transactions = transactions;
        this.clock = clock;
    }

    /**
     * Runs a change to durable state with the events it appends: both commit, or neither (C7, issue 17). Keep slow work
     * (password hashing, network calls) out of it: the tenant's chain is locked from its first event to the commit.
     */
    public <T> T atomically(java.util.function.Supplier<T> change) {
        return transactions.atomically(change);
    }

    /** As {@link #atomically(java.util.function.Supplier)}, for a change that answers nothing. */
    public void atomically(Runnable change) {
        transactions.atomically(change);
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
