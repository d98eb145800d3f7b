package dev.ward.detect;

import dev.ward.audit.AuditEvent;
import dev.ward.tenant.Policy;
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
record MfaBypass(Incidents incidents) implements Detector {
    static final String TYPE = "mfa_bypass";

    @Override
    public Set<String> types() { return Set.of("mfa.failed", "mfa.replayed", "session.scope_denied"); }

    @Override
    public boolean look(String tenant, Policy policy, AuditEvent e) {
        if (e.userId() == null || "enrollment".equals(e.details().get("stage")) || e.details().get("reason") != null) {
            return false;
        }
        boolean scope = e.type().equals("session.scope_denied");
        String detector = scope ? "mfa_scope" : "mfa_codes";
        return incidents.count(tenant, policy, e, detector, detector, new DetectionStore.Mark(e.seq(), e.at(), e.userId(), null, null, 0),
                DetectionStore.Tally::count, scope ? policy.mfaScopeDenials() : policy.mfaFailures(),
                new Incidents.Alerting(TYPE, "high", "account", Map.of("user_id", e.userId()), e.userId()),
                (details, tally) -> {
                    details.put("kind", scope ? "enrollment_scope" : "wrong_codes");
                    details.put(scope ? "denials" : "failures", tally.count());
                });
    }
}
