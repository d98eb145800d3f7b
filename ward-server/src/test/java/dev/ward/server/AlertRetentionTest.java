package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Alerts and their delivery outbox are kept as long as the trail they rest on (the tenant's {@code audit.retention_days})
 * and no longer: the cleanup schedule removes older ones with their deliveries and attempts, audited
 * {@code alert.pruned}; an alert whose delivery is still being retried stays until it is finished.
 */
class AlertRetentionTest {
    static final String PASSWORD = "Retention-Right-Pass-9!";

    /** Eight wrong passwords for one account: one brute_force alert (DetectorsHttpTest's thresholds). */
    static String raiseOne(TestWard w, String tenant) {
        String user = w.createUser(tenant, "nurse", PASSWORD, "staff");
        for (int i = 0; i < 8; i++) {
            DetectorsHttpTest.wrongPassword(w, tenant, "nurse", "198.51.100.20");
            w.clock.advance(Duration.ofSeconds(5));
        }
        w.ward.detectNow();
        List<JsonNode> raised = DetectorsHttpTest.alerts(w, tenant, "brute_force");
        assertThat(raised).as("alert for " + user).hasSize(1);
        return raised.get(0).path("id").asText();
    }

    @Test
    void alertsPastRetentionGoWithTheirDeliveriesAndPendingOnesStay() {
        try (WebhookReceiver receiver = new WebhookReceiver(DetectorsHttpTest.SECRET);
             TestWard w = TestWard.configured(c -> c.withTrustedProxies(List.of("127.0.0.1")))) {
            Map<String, Object> alerts = Map.of("webhook_url", receiver.url(), "webhook_secret", DetectorsHttpTest.SECRET);
            for (String t : List.of("north", "south")) {
                w.createTenant(t, Map.of("mfa", Map.of("required_roles", List.of()), "detect", DetectorsHttpTest.DETECT,
                        "audit", Map.of("retention_days", 1), "alerts", alerts));
            }
            String delivered = raiseOne(w, "north");
            w.ward.deliverAlertsNow();
            assertThat(w.get("/v1/admin/alerts/" + delivered + "/deliveries", w.adminToken()).json().path("deliveries")
                    .get(0).path("outcome").asText()).isEqualTo("delivered");
            receiver.status.set(503); // south's receiver is down: its delivery stays pending, retried
            String pending = raiseOne(w, "south");
            w.ward.deliverAlertsNow();

            assertThat(w.ward.pruneAlertsNow()).as("nothing is a day old yet").isZero();
            w.clock.advance(Duration.ofDays(1).plusHours(1));
            assertThat(w.ward.pruneAlertsNow()).isEqualTo(1);

            assertThat(DetectorsHttpTest.alerts(w, "north", "brute_force")).isEmpty();
            assertThat(w.get("/v1/admin/alerts/" + delivered + "/deliveries", w.adminToken()).status()).isEqualTo(404);
            assertThat(DetectorsHttpTest.alerts(w, "south", "brute_force")).as("still being delivered").hasSize(1);
            JsonNode pruned = w.get("/v1/admin/audit?tenant=north&type=alert.pruned", w.adminToken()).json().path("events");
            assertThat(pruned).singleElement().satisfies(e -> assertThat(e.path("details").path("alerts").asInt()).isEqualTo(1));
            assertThat(pending).isNotEqualTo(delivered);
        }
    }
}
