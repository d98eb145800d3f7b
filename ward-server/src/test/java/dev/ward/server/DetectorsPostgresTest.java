package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ward.crypto.Secrets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The detectors on PostgreSQL with two nodes (issue 14 item 2): an attack whose logins land on both nodes is one
 * incident with one alert, however the two nodes' detection passes interleave, because the counters, the incidents
 * and the position in the trail are in the database and one node at a time holds the detection lock.
 */
class DetectorsPostgresTest {
    @Test
    void anAttackSpreadOverTwoNodesIsOneIncidentWithOneAlertAndOneDelivery() throws Exception {
        try (PostgresSchema schema = PostgresSchema.create("DetectorsPostgresTest");
             WebhookReceiver receiver = new WebhookReceiver(DetectorsHttpTest.SECRET)) {
            DetectorsHttpTest.receiver = receiver;
            String master = Base64.getEncoder().encodeToString(Secrets.randomBytes(32));
            try (TestWard a = node(schema, master); TestWard b = node(schema, master)) {
                DetectorsHttpTest.tenant(a, "shared", DetectorsHttpTest.DETECT);
                String nurse = a.createUser("shared", "nurse", DetectorsHttpTest.PASSWORD, "staff");
                List<String> names = List.of("nurse", "alice", "bob", "carol", "dave", "erin", "frank", "grace");
                for (int i = 0; i < 16; i++) {
                    TestWard on = i % 2 == 0 ? a : b;
                    // Even logins try the nurse from one address; odd ones spray names from another.
                    String name = i % 2 == 0 ? "nurse" : names.get(i / 2);
                    String ip = i % 2 == 0 ? "198.51.100.40" : "203.0.113.60";
                    assertThat(DetectorsHttpTest.wrongPassword(on, "shared", name, ip)).isEqualTo(401);
                    a.clock.advance(Duration.ofSeconds(4));
                    b.clock.advance(Duration.ofSeconds(4));
                    if (i % 5 == 4) {
                        bothDetect(a, b);
                    }
                }
                bothDetect(a, b);
                bothDetect(a, b);

                List<JsonNode> bruteForce = DetectorsHttpTest.alerts(b, "shared", "brute_force");
                assertThat(bruteForce).singleElement()
                        .satisfies(x -> assertThat(x.path("subject").path("user_id").asText()).isEqualTo(nurse));
                List<JsonNode> stuffing = DetectorsHttpTest.alerts(a, "shared", "credential_stuffing");
                assertThat(stuffing).singleElement()
                        .satisfies(x -> assertThat(x.path("subject").path("ip").asText()).isEqualTo("203.0.113.60"));
                Map<Long, JsonNode> trail = DetectorsHttpTest.failedLogins(a, "shared");
                for (JsonNode alert : List.of(bruteForce.get(0), stuffing.get(0))) {
                    assertThat(DetectorsHttpTest.evidence(alert)).isNotEmpty().allSatisfy(seq -> assertThat(trail).containsKey(seq));
                }
                assertThat(schema.count("alerts WHERE tenant_id = 'shared'")).isEqualTo(2);
                assertThat(schema.count("alert_deliveries WHERE tenant_id = 'shared' AND channel = 'webhook'")).isEqualTo(2);
                assertThat(schema.count("detect_incidents WHERE tenant_id = 'shared'")).isEqualTo(2);
                assertThat(schema.count("audit_events WHERE tenant_id = 'shared' AND type = 'alert.raised'")).isEqualTo(2);

                bothDeliver(a, b);
                assertThat(receiver.accepted()).extracting(r -> r.json().path("type").asText())
                        .containsExactlyInAnyOrder("brute_force", "credential_stuffing");
            }
        }
    }

    private static TestWard node(PostgresSchema schema, String master) {
        return TestWard.configured(schema.url(), master, Optional.empty(), c -> c.withTrustedProxies(List.of("127.0.0.1")));
    }

    /** Both nodes deliver at the same moment (their own schedules may have delivered the alerts already). */
    static void bothDeliver(TestWard a, TestWard b) throws Exception {
        CompletableFuture<Integer> onA = CompletableFuture.supplyAsync(a.ward::deliverAlertsNow);
        CompletableFuture<Integer> onB = CompletableFuture.supplyAsync(b.ward::deliverAlertsNow);
        onA.get();
        onB.get();
    }

    /** Both nodes run their detectors at the same moment, as their schedules may. */
    static void bothDetect(TestWard a, TestWard b) throws Exception {
        CompletableFuture<Void> onA = CompletableFuture.runAsync(a.ward::detectNow);
        CompletableFuture<Void> onB = CompletableFuture.runAsync(b.ward::detectNow);
        onA.get();
        onB.get();
    }
}
