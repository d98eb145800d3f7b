package dev.ward.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditEvent;
import dev.ward.audit.AuditStore;
import dev.ward.audit.AuditTrail;
import dev.ward.testing.MutableClock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CryptoUsageTest {
    private final List<AuditEntry> written = new ArrayList<>();
    private final MutableClock clock = MutableClock.startingAt("2026-11-22T10:00:00Z");
    private final CryptoUsage usage = new CryptoUsage(new AuditTrail(new AuditStore() {
        @Override public void append(Instant at, List<AuditEntry> e) { written.addAll(e); }
        @Override public long appendOne(Instant at, AuditEntry e) { written.add(e); return written.size(); }
        @Override public List<AuditEvent> recent(String tenant, String type, int limit) { return List.of(); }
    }, java.util.function.Supplier::get, clock), clock);

    @SuppressWarnings("unchecked")
    private Map<String, Map<String, Long>> countsOf(String tenant) {
        return (Map<String, Map<String, Long>>) written.stream().filter(e -> e.tenant().equals(tenant)).reduce((a, b) -> b)
                .orElseThrow().details().get("counts");
    }

    @Test
    void oneTenantsMadeUpFieldsCannotCrowdOutAnotherTenantsCounts() {
        for (int i = 0; i < 3 * CryptoUsage.MAX_KEYS_PER_TENANT; i++) {
            usage.count("noisy", "field-" + i, CryptoUsage.Operation.ENCRYPT);
        }
        usage.count("quiet", "patient.ssn", CryptoUsage.Operation.DECRYPT);

        assertThat(usage.flush()).isEqualTo(2);
        assertThat(countsOf("quiet")).containsEntry("patient.ssn", Map.of("decrypt", 1L));
        Map<String, Map<String, Long>> noisy = countsOf("noisy");
        assertThat(noisy).hasSize(CryptoUsage.MAX_KEYS_PER_TENANT + 1);
        assertThat(noisy.get(CryptoUsage.OTHER)).containsEntry("encrypt", 2L * CryptoUsage.MAX_KEYS_PER_TENANT);
    }

    @Test
    void keysIdleForAWholePeriodAreDroppedSoNewFieldsGetTheirOwnCountsAgain() {
        for (int i = 0; i < CryptoUsage.MAX_KEYS_PER_TENANT; i++) {
            usage.count("t", "old-" + i, CryptoUsage.Operation.ENCRYPT);
        }
        usage.flush();
        usage.flush(); // the old keys were idle for this whole period

        usage.count("t", "new-field", CryptoUsage.Operation.ENCRYPT);
        usage.flush();
        assertThat(countsOf("t")).containsOnlyKeys("new-field");
    }
}
