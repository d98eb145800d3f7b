package dev.ward.detect;

import dev.ward.audit.AuditEvent;
import dev.ward.auth.LoginService;
import dev.ward.tenant.Policy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Session hijack, from the {@code session.binding_changed} events that validation already writes under
 * {@code session.binding} = {@code warn} (and only when the client changes; decision 0027):
 * <ul>
 *   <li>a change of binding: {@code detect.binding_changes} changes of one session within the window raise a medium
 *       alert about the session (no automatic response: a laptop moving from Wi-Fi to a phone's hotspot does it too);
 *   <li>one session used from two places at once: under {@code warn} each change records the new client, so two
 *       holders taking turns show as the session going back to an address it left. {@code detect.two_places_returns}
 *       such returns within the window raise a high, account-scoped alert.
 * </ul>
 * Under {@code strict} the first change ends the session (nothing left to hijack); under {@code off} nothing is
 * recorded, by the tenant's choice, and nothing can be detected.
 */
record SessionHijack(DetectionStore store, Incidents incidents) implements Detector {
    static final String TYPE = "session_hijack";
    static final String BINDING = "binding_changed";
    static final String TWO_PLACES = "two_places";

    @Override
    public Set<String> types() { return Set.of("session.binding_changed"); }

    @Override
    public boolean look(String tenant, Policy policy, AuditEvent e) {
        if (!"warn".equals(e.details().get("policy")) || e.sessionId() == null || e.userId() == null) {
            return false;
        }
        String session = e.sessionId();
        String to = bucket(e.ip());
        String from = bucket(e.details().get("previous_ip"));
        boolean moved = !to.equals(from);
        // A change of user agent alone is marked too (it is a change of binding), but leaves no address behind.
        Map<String, Object> subject = Map.of("user_id", e.userId(), "session_id", session);
        boolean raised = incidents.count(tenant, policy, e, BINDING, BINDING,
                new DetectionStore.Mark(e.seq(), e.at(), session, moved ? to : null, moved ? from : null, 0),
                DetectionStore.Tally::count, policy.bindingChanges(),
                new Incidents.Alerting(TYPE, "medium", "session", subject, null),
                (details, tally) -> {
                    details.put("kind", BINDING);
                    details.put("changes", tally.count());
                    changeOf(details, e);
                });

        if (moved) {
            // Each earlier move away from the address the session is back at now is one return to it.
            Instant since = e.at().minus(policy.detectWindow());
            List<Long> departures = store.marksLeaving(tenant, BINDING, session, to, since).stream()
                    .map(DetectionStore.Mark::seq).filter(seq -> seq < e.seq()).toList();
            raised |= incidents.judge(tenant, policy, TWO_PLACES, session, e.at(), departures.size() >= policy.twoPlacesReturns(), () -> {
                Map<String, Object> details = Incidents.details("account", policy, policy.twoPlacesReturns());
                details.put("kind", TWO_PLACES);
                details.put("returns", departures.size());
                changeOf(details, e);
                List<Long> evidence = new ArrayList<>(departures);
                evidence.add(e.seq());
                details.put("evidence", Incidents.evidence(evidence));
                return new Incidents.Finding(TYPE, "high", subject, details, e.userId());
            }).isPresent();
        }
        return raised;
    }

    private static void changeOf(Map<String, Object> details, AuditEvent e) {
        Map<String, Object> change = new LinkedHashMap<>();
        change.put("ip", e.ip());
        change.put("previous_ip", e.details().get("previous_ip"));
        change.put("user_agent_changed", e.details().get("user_agent_changed"));
        details.put("change", change);
    }

    /** An address as the login limits see it (an IPv6 address by its /64: a phone's privacy addresses are one place). */
    private static String bucket(Object ip) {
        return ip == null ? "" : LoginService.ipBucket(ip.toString());
    }
}
