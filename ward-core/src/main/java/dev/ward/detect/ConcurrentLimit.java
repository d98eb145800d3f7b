package dev.ward.detect;

import dev.ward.audit.AuditEvent;
import dev.ward.tenant.Policy;
import java.util.Map;
import java.util.Set;

/**
 * Concurrent-session limit exceeded: logins of one user past {@code session.max_concurrent} — refused
 * ({@code session.limit_reached}, under {@code session.on_limit} = {@code reject}) or evicting an older session
 * ({@code session.revoked} with reason {@code evicted}, the default {@code evict_oldest}) — at least
 * {@code detect.concurrent_limit_hits} times within the window: more people than the limit using one account, the
 * sign of a shared or stolen password.
 */
record ConcurrentLimit(Incidents incidents) implements Detector {
    static final String TYPE = "concurrent_limit";

    @Override
    public Set<String> types() { return Set.of("session.limit_reached", "session.revoked"); }

    @Override
    public boolean look(String tenant, Policy policy, AuditEvent e) {
        boolean evicted = e.type().equals("session.revoked");
        if (e.userId() == null || (evicted && !"evicted".equals(e.details().get("reason")))) {
            return false;
        }
        return incidents.count(tenant, policy, e, TYPE, TYPE,
                new DetectionStore.Mark(e.seq(), e.at(), e.userId(), evicted ? "evicted" : "rejected", null, 0),
                DetectionStore.Tally::count, policy.concurrentLimitHits(),
                new Incidents.Alerting(TYPE, "medium", "account", Map.of("user_id", e.userId()), e.userId()),
                (details, tally) -> {
                    details.put("hits", tally.count());
                    details.put("on_limit", policy.onLimit().name().toLowerCase());
                    details.put("max_concurrent", policy.maxConcurrentSessions());
                });
    }
}
