package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ward.crypto.Secrets;
import dev.ward.store.redis.RedisServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Impossible travel and exfiltration on PostgreSQL + Redis with two nodes (issue 14 item 2): the logins and patient
 * opens of one user land on both nodes, both nodes run their detection passes at the same moments, and each incident
 * is one alert with one delivery, because the marks, the last located login and the incidents are in the database and
 * one node at a time holds the detection lock.
 */
class MoreDetectorsPostgresTest {
    @Test
    void travelAndExfiltrationSpreadOverTwoNodesAreOneAlertEach() throws Exception {
        Path db = TestGeoIpDb.placesOrSkip("MoreDetectorsPostgresTest");
        try (PostgresSchema schema = PostgresSchema.create("MoreDetectorsPostgresTest");
             RedisServers redis = RedisServers.standalone("MoreDetectorsPostgresTest");
             WebhookReceiver receiver = new WebhookReceiver(DetectorsHttpTest.SECRET)) {
            DetectorsHttpTest.receiver = receiver;
            String master = Base64.getEncoder().encodeToString(Secrets.randomBytes(32));
            try (TestWard a = node(schema, master, redis, db); TestWard b = node(schema, master, redis, db)) {
                MoreDetectorsHttpTest.tenant(a, "shared", Map.of("window_seconds", 3600, "quiet_seconds", 3600,
                        "exfiltration_patients", 6), Map.of());
                String nurse = a.createUser("shared", "nurse", DetectorsHttpTest.PASSWORD, "staff");

                MoreDetectorsHttpTest.loginFrom(a, "shared", "nurse", TestGeoIpDb.LONDON);
                DetectorsPostgresTest.bothDetect(a, b);
                advance(a, b, Duration.ofMinutes(20));
                MoreDetectorsHttpTest.loginFrom(b, "shared", "nurse", TestGeoIpDb.MILTON);
                DetectorsPostgresTest.bothDetect(a, b);
                advance(a, b, Duration.ofMinutes(5));
                MoreDetectorsHttpTest.loginFrom(a, "shared", "nurse", TestGeoIpDb.LONDON);
                DetectorsPostgresTest.bothDetect(a, b);
                DetectorsPostgresTest.bothDetect(a, b);
                List<Long> logins = MoreDetectorsHttpTest.seqs(a, "shared", "login.succeeded", nurse);
                assertThat(DetectorsHttpTest.alerts(b, "shared", "impossible_travel")).singleElement().satisfies(x -> {
                    assertThat(x.path("subject").path("user_id").asText()).isEqualTo(nurse);
                    assertThat(DetectorsHttpTest.evidence(x)).isEqualTo(logins.subList(0, 2));
                });

                // One session (in Redis, so good on both nodes) opens nine patients, alternately on each node.
                String token = a.login("shared", "nurse", DetectorsHttpTest.PASSWORD);
                for (int i = 0; i < 9; i++) {
                    TestWard on = i % 2 == 0 ? a : b;
                    assertThat(on.post("/v1/session/patients/p-" + i, "{}", token).status()).isEqualTo(200);
                    advance(a, b, Duration.ofSeconds(10));
                    if (i % 3 == 2) {
                        DetectorsPostgresTest.bothDetect(a, b);
                    }
                }
                DetectorsPostgresTest.bothDetect(a, b);
                List<Long> opened = MoreDetectorsHttpTest.seqs(a, "shared", "patient.opened", nurse);
                List<JsonNode> exfiltration = DetectorsHttpTest.alerts(a, "shared", "data_exfiltration");
                assertThat(exfiltration).singleElement().satisfies(x -> {
                    assertThat(x.path("details").path("patients").asInt()).isEqualTo(6);
                    assertThat(DetectorsHttpTest.evidence(x)).isEqualTo(opened.subList(0, 6));
                });

                assertThat(schema.count("alerts WHERE tenant_id = 'shared'")).isEqualTo(2);
                assertThat(schema.count("detect_incidents WHERE tenant_id = 'shared'")).isEqualTo(2);
                assertThat(schema.count("detect_last_login WHERE tenant_id = 'shared'")).isEqualTo(1);
                assertThat(schema.count("detect_marks WHERE tenant_id = 'shared' AND detector = 'patients_opened'")).isEqualTo(9);
                assertThat(schema.count("audit_events WHERE tenant_id = 'shared' AND type = 'alert.raised'")).isEqualTo(2);

                DetectorsPostgresTest.bothDeliver(a, b);
                assertThat(receiver.accepted()).extracting(r -> r.json().path("type").asText())
                        .containsExactlyInAnyOrder("impossible_travel", "data_exfiltration");
            }
        }
    }

    private static TestWard node(PostgresSchema schema, String master, RedisServers redis, Path geo) {
        return TestWard.configured(schema.url(), master, Optional.of(redis.url()),
                c -> c.withTrustedProxies(List.of("127.0.0.1")).withGeoipDb(Optional.of(geo)));
    }

    private static void advance(TestWard a, TestWard b, Duration by) {
        a.clock.advance(by);
        b.clock.advance(by);
    }
}
