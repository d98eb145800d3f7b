package dev.ward.server;

import static dev.ward.server.MetricsHttpTest.sample;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.crypto.Secrets;
import dev.ward.store.redis.RedisServers;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The store-read gauges of {@code /metrics} in production mode, where sessions and patient contexts live in Redis:
 * {@code ward_sessions_active} and {@code ward_patient_contexts_active} per tenant, the same numbers on every node.
 */
class MetricsRedisTest {
    private static final String PW = "Metrics-Redis-Pass-9!";

    @Test
    void liveSessionsAndPatientContextsAreCountedFromRedisOnEveryNode() throws Exception {
        String master = Base64.getEncoder().encodeToString(Secrets.randomBytes(32));
        try (PostgresSchema schema = PostgresSchema.create("MetricsRedisTest");
             RedisServers redis = RedisServers.standalone("MetricsRedisTest");
             TestWard a = TestWard.onPostgresAndRedis(schema.url(), master, redis.url());
             TestWard b = TestWard.onPostgresAndRedis(schema.url(), master, redis.url())) {
            b.clock.set(a.clock.instant());
            for (String tenant : List.of("clinic", "lab")) {
                a.createTenant(tenant, Map.of("mfa", Map.of("required_roles", List.of()),
                        "patient", Map.of("idle_timeout_seconds", 300)));
                a.createUser(tenant, "nurse", PW, "staff");
            }
            String one = a.login("clinic", "nurse", PW);
            String two = b.login("clinic", "nurse", PW);
            a.login("lab", "nurse", PW);
            assertThat(a.post("/v1/session/patients/p-1", "{}", one).status()).isEqualTo(200);
            assertThat(a.post("/v1/session/patients/p-2", "{}", one).status()).isEqualTo(200);
            assertThat(b.post("/v1/session/patients/p-1", "{}", two).status()).isEqualTo(200);

            for (TestWard node : List.of(a, b)) {
                String text = scrape(node);
                assertThat(sample(text, "ward_sessions_active", "tenant=\"clinic\"")).isEqualTo(2);
                assertThat(sample(text, "ward_sessions_active", "tenant=\"lab\"")).isEqualTo(1);
                assertThat(sample(text, "ward_patient_contexts_active", "tenant=\"clinic\"")).isEqualTo(3);
                assertThat(sample(text, "ward_patient_contexts_active", "tenant=\"lab\"")).isZero();
                assertThat(sample(text, "ward_store_up", "store=\"redis\"")).isEqualTo(1);
            }

            assertThat(b.send("DELETE", "/v1/session/patients/p-2", null, "Authorization", "Bearer " + one).status())
                    .isEqualTo(204);
            assertThat(sample(scrape(a), "ward_patient_contexts_active", "tenant=\"clinic\"")).isEqualTo(2);

            // Past the contexts' idle timeout (their keys may still be there): none is live any more.
            a.clock.advance(Duration.ofSeconds(301));
            assertThat(sample(scrape(a), "ward_patient_contexts_active", "tenant=\"clinic\"")).isZero();
        }
    }

    private static String scrape(TestWard w) {
        var r = w.send("GET", "/metrics", null);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r.raw();
    }
}
