package dev.ward.ratelimit;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Requests this process refused for a rate limit, per tenant and kind of limit: counted in memory, never written to
 * the database one by one (a flood must not become database writes). What metrics read.
 */
public final class RateLimitCounters {
    private record Key(String tenant, RequestLimits.Kind kind) {}

    private final Map<Key, LongAdder> refused = new ConcurrentHashMap<>();

    void refused(String tenant, RequestLimits.Kind kind) {
        Key key = new Key(tenant, kind);
        LongAdder adder = refused.get(key);
        if (adder == null) {
            adder = refused.computeIfAbsent(key, k -> new LongAdder());
        }
        adder.increment();
    }

    /** Refusals of this tenant for this kind of limit since the process started. */
    public long refusals(String tenant, RequestLimits.Kind kind) {
        LongAdder adder = refused.get(new Key(tenant, kind));
        return adder == null ? 0 : adder.sum();
    }

    /** Every count, by tenant and then kind. */
    public Map<String, Map<RequestLimits.Kind, Long>> all() {
        Map<String, Map<RequestLimits.Kind, Long>> out = new TreeMap<>();
        refused.forEach((k, v) -> out.computeIfAbsent(k.tenant(), t -> new TreeMap<>()).put(k.kind(), v.sum()));
        return out;
    }
}
