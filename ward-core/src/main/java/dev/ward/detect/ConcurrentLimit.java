package dev.ward.detect;

import dev.ward.audit.AuditEvent;
import dev.ward.tenant.Policy;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * Concurrent-session limit exceeded: logins of one user past {@code session.max_concurrent} — refused
 * ({@code session.limit_reached}, under {@code session.on_limit} = {@code reject}) or evicting an older session
 * ({@code session.revoked} with reason {@code evicted}, the default {@code evict_oldest}) — at least
 * {@code detect.concurrent_limit_hits} times within the window: more people than the limit using one account, the
 * sign of a shared or stolen password.
 */
final class ConcurrentLimit implements Detector {
    static final String TYPE = "concurrent_limit";

    private final DetectionStore store;
    private final Incidents incidents;

    ConcurrentLimit(DetectionStore store, Incidents incidents) {
        this.store = store;
        this.incidents = incidents;
    }

    @Override
    public Set<String> types() { return Set.of("session.limit_reached", "session.revoked"); }

    @Override
    public boolean look(String tenant, Policy policy, AuditEvent e) {
        boolean evicted = e.type().equals("session.revoked");
        if (e.userId() == null || (evicted && !"evicted".equals(e.details().get("reason")))) {
            return false;
        }
        store.addMark(tenant, TYPE, new DetectionStore.Mark(e.seq(), e.at(), e.userId(), evicted ? "evicted" : "rejected", null, 0));
        Instant since = e.at().minus(policy.detectWindow());
        DetectionStore.Tally tally = store.tally(tenant, TYPE, e.userId(), since);
        int threshold = policy.concurrentLimitHits();
        return incidents.judge(tenant, policy, TYPE, e.userId(), e.at(), tally.count() >= threshold, () -> {
            Map<String, Object> details = Incidents.details("account", policy, threshold);
            details.put("hits", tally.count());
            details.put("on_limit", policy.onLimit().name().toLowerCase());
            details.put("max_concurrent", policy.maxConcurrentSessions());
            details.put("evidence", store.markSeqs(tenant, TYPE, e.userId(), since, Incidents.MAX_EVIDENCE));
            return new Incidents.Finding(TYPE, "medium", Map.of("user_id", e.userId()), details, e.userId());
        }).isPresent();
    }
}
