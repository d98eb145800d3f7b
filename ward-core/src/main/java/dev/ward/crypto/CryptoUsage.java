package dev.ward.crypto;

import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditTrail;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts of the encryption API's operations per tenant, field and operation, kept in memory (a striped
 * counter per key, no write per call) and written to the audit trail by {@link #flush} as one
 * {@code crypto.usage} event per tenant and period. Metrics can read the same counters later.
 */
public final class CryptoUsage {
    /**
     * Distinct tenant/field/operation keys kept, in all and per tenant (so one tenant's made-up field names cannot
     * crowd out the others'); beyond them, fields are counted under {@link #OTHER}. Keys idle for a whole period
     * are dropped at the flush.
     */
    static final int MAX_KEYS = 10_000;
    static final int MAX_KEYS_PER_TENANT = 1_000;
    static final String OTHER = "(other fields)";
    /** Where operations that name no field are counted (a rewrap never learns the value's field). */
    static final String ANY_FIELD = "(any field)";

    public enum Operation { ENCRYPT, DECRYPT, DECRYPT_FAILED, IMPORT_FERNET, REWRAP;
        String wire() { return name().toLowerCase(); }
    }

    private record Key(String tenant, String field, Operation operation) {}

    private final Map<Key, LongAdder> counters = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> keysPerTenant = new ConcurrentHashMap<>();
    private final AuditTrail audit;
    private final Clock clock;
    private volatile Instant since;

    public CryptoUsage(AuditTrail audit, Clock clock) {
        this.audit = audit;
        this.clock = clock;
        this.since = clock.instant();
    }

    public void count(String tenant, String field, Operation operation) {
        Key key = new Key(tenant, field, operation);
        LongAdder adder = counters.get(key);
        if (adder == null) {
            var ofTenant = keysPerTenant.computeIfAbsent(tenant, t -> new java.util.concurrent.atomic.AtomicInteger());
            boolean room = counters.size() < MAX_KEYS && ofTenant.get() < MAX_KEYS_PER_TENANT;
            Key kept = room ? key : new Key(tenant, OTHER, operation);
            adder = counters.computeIfAbsent(kept, k -> {
                ofTenant.incrementAndGet();
                return new LongAdder();
            });
        }
        adder.increment();
    }

    /** Appends one {@code crypto.usage} event per tenant with counts since the last flush; returns how many events. */
    public int flush() {
        Instant until = clock.instant();
        Map<String, Map<String, Map<String, Long>>> byTenant = new TreeMap<>();
        Map<Key, Long> taken = new java.util.HashMap<>();
        counters.forEach((key, adder) -> {
            long n = adder.sumThenReset();
            if (n == 0 && counters.remove(key, adder)) {
                // Idle for a whole period: let the key go (a call racing with this removal may go uncounted).
                keysPerTenant.get(key.tenant()).decrementAndGet();
            }
            if (n > 0) {
                taken.put(key, n);
                byTenant.computeIfAbsent(key.tenant(), t -> new TreeMap<>()).computeIfAbsent(key.field(), f -> new TreeMap<>())
                        .put(key.operation().wire(), n);
            }
        });
        int events = 0;
        try {
            for (var tenant : byTenant.entrySet()) {
                audit.append(AuditEntry.of(tenant.getKey(), "crypto.usage").actor("system").detail("since", since.toString())
                        .detail("until", until.toString()).detail("counts", tenant.getValue()).build());
                taken.keySet().removeIf(k -> k.tenant().equals(tenant.getKey()));
                events++;
            }
        } finally {
            // What could not be written is counted again at the next flush.
            taken.forEach((key, n) -> counters.computeIfAbsent(key, k -> {
                keysPerTenant.computeIfAbsent(k.tenant(), t -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
                return new LongAdder();
            }).add(n));
        }
        since = until;
        return events;
    }
}
