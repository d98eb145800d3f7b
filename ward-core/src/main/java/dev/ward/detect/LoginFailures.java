package dev.ward.detect;

import dev.ward.alert.Alert;
import dev.ward.audit.AuditEvent;
import dev.ward.auth.LoginService;
import dev.ward.tenant.Policy;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * Brute force per account and per address, credential stuffing (many usernames from one address): failed logins
 * counted over the window (decision 0026). Every failure of an open incident keeps it open: the guessing goes on.
 */
record LoginFailures(DetectionStore store, Incidents incidents) implements Detector {
    /** Failures that guess nothing: the server refused before looking, or the password was right. */
    private static final Set<String> NOT_GUESSES = Set.of("server_busy", "session_limit");

    @Override
    public Set<String> types() { return Set.of("login.failed"); }

    @Override
    public boolean look(String tenant, Policy policy, AuditEvent e) {
        if (NOT_GUESSES.contains(String.valueOf(e.details().get("reason")))) {
            return false;
        }
        boolean raised = false;
        String ip = e.ip() == null || e.ip().isEmpty() ? "" : LoginService.ipBucket(e.ip());
        Object tag = e.details().get("username_tag");
        store.addFailure(tenant, new DetectionStore.Failure(e.seq(), e.at(), e.userId(), ip, tag == null ? null : tag.toString()));
        java.time.Instant since = e.at().minus(policy.detectWindow());
        if (e.userId() != null) {
            raised = check(tenant, policy, e, "brute_force_account", e.userId(), Detectors.BRUTE_FORCE,
                    () -> store.failuresOfUser(tenant, e.userId(), since), List::size, policy.bruteForceAccountFailures(),
                    Map.of("user_id", e.userId()), "account").isPresent();
        }
        if (!ip.isEmpty()) {
            Supplier<List<DetectionStore.Failure>> fromIp = () -> store.failuresFromIp(tenant, ip, since);
            raised |= check(tenant, policy, e, "brute_force_ip", ip, Detectors.BRUTE_FORCE, fromIp, List::size,
                    policy.bruteForceIpFailures(), Map.of("ip", e.ip()), "ip").isPresent();
            raised |= check(tenant, policy, e, Detectors.CREDENTIAL_STUFFING, ip, Detectors.CREDENTIAL_STUFFING, fromIp,
                    LoginFailures::distinctUsernames, policy.credentialStuffingUsernames(), Map.of("ip", e.ip()), "ip").isPresent();
        }
        return raised;
    }

    private static int distinctUsernames(List<DetectionStore.Failure> failures) {
        return (int) failures.stream().map(DetectionStore.Failure::usernameTag).filter(t -> t != null).distinct().count();
    }

    /**
     * One detector on one failure: an open incident is extended and nothing raised; else the window is measured and, at
     * the threshold, the alert and its incident are written in one transaction (read again after a failed step, the
     * same events find the incident open and raise nothing). An account's alert gets {@code detect.response}.
     */
    private Optional<Alert> check(String tenant, Policy policy, AuditEvent e, String detector, String key, String alertType,
                                  Supplier<List<DetectionStore.Failure>> window, ToIntFunction<List<DetectionStore.Failure>> measure,
                                  int threshold, Map<String, Object> subject, String scope) {
        if (incidents.open(tenant, policy, detector, key, e.at())) {
            incidents.extend(tenant, detector, key, e.at());
            return Optional.empty();
        }
        List<DetectionStore.Failure> recent = window.get();
        int measured = measure.applyAsInt(recent);
        if (measured < threshold) {
            return Optional.empty();
        }
        Map<String, Object> details = Incidents.details(scope, policy, threshold);
        details.put("failures", recent.size());
        if (Detectors.CREDENTIAL_STUFFING.equals(alertType)) {
            details.put("distinct_usernames", measured);
        }
        details.put("evidence", Incidents.evidence(recent.stream().map(DetectionStore.Failure::seq).toList()));
        return Optional.of(incidents.raise(tenant, policy, detector, key, e.at(),
                new Incidents.Finding(alertType, "high", subject, details, scope.equals("account") ? e.userId() : null)));
    }
}
