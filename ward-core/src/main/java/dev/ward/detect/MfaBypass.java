package dev.ward.detect;

import dev.ward.audit.AuditEvent;
import dev.ward.tenant.Policy;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * MFA bypass attempts, two kinds, each its own incident per user:
 * <ul>
 *   <li>{@code wrong_codes}: at least {@code detect.mfa_failures} wrong or replayed second-factor codes
 *       ({@code mfa.failed}, {@code mfa.replayed}) within the window — whoever types them knew the password. A code
 *       wrong while confirming a new authenticator (stage {@code enrollment}) or a wrong password re-entered to change
 *       the factor guesses no code and is not counted;
 *   <li>{@code enrollment_scope}: at least {@code detect.mfa_scope_denials} requests of a session confined to MFA
 *       enrolment (aal 0) refused for going beyond it ({@code session.scope_denied}) within the window.
 * </ul>
 */
final class MfaBypass implements Detector {
    static final String TYPE = "mfa_bypass";
    private static final String CODES = "mfa_codes";
    private static final String SCOPE = "mfa_scope";

    private final DetectionStore store;
    private final Incidents incidents;

    MfaBypass(DetectionStore store, Incidents incidents) {
        this.store = store;
        this.incidents = incidents;
    }

    @Override
    public Set<String> types() { return Set.of("mfa.failed", "mfa.replayed", "session.scope_denied"); }

    @Override
    public boolean look(String tenant, Policy policy, AuditEvent e) {
        if (e.userId() == null || "enrollment".equals(e.details().get("stage")) || e.details().get("reason") != null) {
            return false;
        }
        boolean scope = e.type().equals("session.scope_denied");
        String detector = scope ? SCOPE : CODES;
        store.addMark(tenant, detector, new DetectionStore.Mark(e.seq(), e.at(), e.userId(), null, null, 0));
        Instant since = e.at().minus(policy.detectWindow());
        int count = store.tally(tenant, detector, e.userId(), since).count();
        int threshold = scope ? policy.mfaScopeDenials() : policy.mfaFailures();
        return incidents.judge(tenant, policy, detector, e.userId(), e.at(), count >= threshold, () -> {
            Map<String, Object> details = Incidents.details("account", policy, threshold);
            details.put("kind", scope ? "enrollment_scope" : "wrong_codes");
            details.put(scope ? "denials" : "failures", count);
            details.put("evidence", store.markSeqs(tenant, detector, e.userId(), since, Incidents.MAX_EVIDENCE));
            return new Incidents.Finding(TYPE, "high", Map.of("user_id", e.userId()), details, e.userId());
        }).isPresent();
    }
}
