package dev.ward.detect;

import dev.ward.audit.AuditEvent;
import dev.ward.tenant.Policy;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * Data exfiltration: one user opening more distinct patients ({@code patient.opened}) than
 * {@code detect.exfiltration_patients}, or reading more bytes of patient data ({@code patient.data_read}'s
 * {@code bytes}) than {@code detect.exfiltration_bytes}, within the window. Both measures are one incident per user:
 * whichever crosses first raises the alert, and either staying over keeps it open.
 */
final class Exfiltration implements Detector {
    static final String TYPE = "data_exfiltration";
    private static final String PATIENTS = "patients_opened";
    private static final String BYTES = "bytes_read";

    private final DetectionStore store;
    private final Incidents incidents;

    Exfiltration(DetectionStore store, Incidents incidents) {
        this.store = store;
        this.incidents = incidents;
    }

    @Override
    public Set<String> types() { return Set.of("patient.opened", "patient.data_read"); }

    @Override
    public boolean look(String tenant, Policy policy, AuditEvent e) {
        if (e.userId() == null || e.patientId() == null) {
            return false;
        }
        boolean opened = e.type().equals("patient.opened");
        String measure = opened ? PATIENTS : BYTES;
        long bytes = opened ? 0 : bytes(e.details().get("bytes"));
        if (!opened && bytes == 0) {
            return false; // a read that found nothing took nothing
        }
        store.addMark(tenant, measure, new DetectionStore.Mark(e.seq(), e.at(), e.userId(), e.patientId(), null, bytes));
        Instant since = e.at().minus(policy.detectWindow());
        DetectionStore.Tally tally = store.tally(tenant, measure, e.userId(), since);
        long threshold = opened ? policy.exfiltrationPatients() : policy.exfiltrationBytes();
        long measured = opened ? tally.distinctItems() : tally.amount();
        return incidents.judge(tenant, policy, TYPE, e.userId(), e.at(), measured >= threshold, () -> {
            Map<String, Object> details = Incidents.details("account", policy, threshold);
            details.put("measure", opened ? "patients" : "bytes");
            details.put(opened ? "patients" : "bytes", measured);
            details.put("events", tally.count());
            details.put("evidence", store.markSeqs(tenant, measure, e.userId(), since, Incidents.MAX_EVIDENCE));
            return new Incidents.Finding(TYPE, "high", Map.of("user_id", e.userId()), details, e.userId());
        }).isPresent();
    }

    /** {@code patient.data_read}'s byte count; anything but a whole non-negative number counts as none. */
    private static long bytes(Object value) {
        return value instanceof Number n && n.longValue() > 0 ? n.longValue() : 0;
    }
}
