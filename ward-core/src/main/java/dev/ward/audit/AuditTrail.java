package dev.ward.audit;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** Ward's one entry point for recording audit events, and for changes that must not happen without theirs. */
public final class AuditTrail {
    /**
     * Told of events once they are durable (their transaction committed; alone, once appended) and how long each
     * append took: what /metrics counts (ward_audit_events_total, ward_logins_total, ward_alerts_total). Called on the
     * appending thread; must be cheap and never throw.
     */
    public interface Listener {
        void committed(List<AuditEntry> entries);

        void appended(long nanos);

        Listener NONE = new Listener() {
            @Override public void committed(List<AuditEntry> entries) {}

            @Override public void appended(long nanos) {}
        };
    }

    private final AuditStore store;
    private final Transactions transactions;
    private final Clock clock;
    private volatile Listener listener = Listener.NONE;
    /** The events appended inside this thread's outermost {@link #atomically}, told to the listener at its commit. */
    private final ThreadLocal<List<AuditEntry>> inChange = new ThreadLocal<>();

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
        if (inChange.get() != null) {
            return transactions.atomically(change); // joins the outer change, which tells the listener
        }
        List<AuditEntry> appended = new ArrayList<>();
        inChange.set(appended);
        try {
            T result = transactions.atomically(() -> {
                appended.clear(); // a retried attempt starts over
                return change.get();
            });
            if (!appended.isEmpty()) {
                listener.committed(appended);
            }
            return result;
        } finally {
            inChange.remove();
        }
    }

    /** As {@link #atomically(java.util.function.Supplier)}, for a change that answers nothing. */
    public void atomically(Runnable change) {
        atomically(() -> {
            change.run();
            return null;
        });
    }

    /** Who hears of committed events (one listener: the server's metrics). */
    public void listen(Listener listener) {
        this.listener = listener == null ? Listener.NONE : listener;
    }

    private void appended(List<AuditEntry> entries, long startedNanos) {
        listener.appended(System.nanoTime() - startedNanos);
        List<AuditEntry> change = inChange.get();
        if (change != null) {
            change.addAll(entries);
        } else {
            listener.committed(entries);
        }
    }

    /**
     * Records an event, durably before this returns; inside {@link Transactions#atomically}, in the same transaction as
     * the change it records.
     */
    public void append(AuditEntry entry) {
        long started = System.nanoTime();
        List<AuditEntry> one = List.of(entry);
        store.append(clock.instant().truncatedTo(ChronoUnit.MILLIS), one);
        appended(one, started);
    }

    /** Records an event outside any change of state (an app's own event, say) and answers its position in the chain. */
    public long record(AuditEntry entry) {
        long started = System.nanoTime();
        long seq = store.appendOne(clock.instant().truncatedTo(ChronoUnit.MILLIS), entry);
        appended(List.of(entry), started);
        return seq;
    }

    /** Records several events at once, in this order. */
    public void appendAll(List<AuditEntry> entries) {
        if (!entries.isEmpty()) {
            long started = System.nanoTime();
            store.append(clock.instant().truncatedTo(ChronoUnit.MILLIS), entries);
            appended(entries, started);
        }
    }

    public List<AuditEvent> recent(String tenant, String type, int limit) {
        return store.recent(tenant, type, limit);
    }
}
