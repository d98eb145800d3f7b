package dev.ward.detect;

import dev.ward.audit.AuditEvent;
import dev.ward.tenant.Policy;
import java.util.Map;
import java.util.Set;

/**
 * Data exfiltration: one user opening more distinct patients ({@code patient.opened}) than
 * {@code detect.exfiltration_patients}, or reading more bytes of patient data ({@code patient.data_read}'s
 * {@code bytes}) than {@code detect.exfiltration_bytes}, within the window. Both measures are one incident per user:
 * whichever crosses first raises the alert, and either staying over keeps it open.
 */
record Exfiltration(Incidents incidents) implements Detector {
    static final String TYPE = "data_exfiltration";

    @Override
    public Set<String> types() { return Set.of("patient.opened", "patient.data_read"); }

    @Override
    public boolean look(String tenant, Policy policy, AuditEvent e) {
        if (e.userId() == null || e.patientId() == null) {
            return false;
        }
        boolean opened = e.type().equals("patient.opened");
        long bytes = opened ? 0 : bytes(e.details().get("bytes"));
        if (!opened && bytes == 0) {
            return false; // a read that found nothing took nothing
        }
        String measure = opened ? "patients" : "bytes";
        return incidents.count(tenant, policy, e, opened ? "patients_opened" : "bytes_read", TYPE,
                new DetectionStore.Mark(e.seq(), e.at(), e.userId(), e.patientId(), null, bytes),
                opened ? DetectionStore.Tally::distinctItems : DetectionStore.Tally::amount,
                opened ? policy.exfiltrationPatients() : policy.exfiltrationBytes(),
                new Incidents.Alerting(TYPE, "high", "account", Map.of("user_id", e.userId()), e.userId()),
                (details, tally) -> {
                    details.put("measure", measure);
                    details.put(measure, opened ? tally.distinctItems() : tally.amount());
                    details.put("events", tally.count());
                });
    }

    /** {@code patient.data_read}'s byte count; anything but a whole positive number counts as none. */
    private static long bytes(Object value) {
        return value instanceof Number n && n.longValue() > 0 ? n.longValue() : 0;
    }
}
