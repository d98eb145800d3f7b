package dev.ward.server;

import static dev.ward.server.RateLimitHttpTest.assertLimited;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.crypto.Secrets;
import dev.ward.store.redis.RedisServers;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** In production mode the request limits are one budget in Redis for all nodes, not one per node (decision 0028). */
class RateLimitRedisTest {
    private static final String PW = "Correct-Horse-9-battery";

    @Test
    void twoNodesShareEachSessionsAndEachKeysBudget() throws Exception {
        String master = Base64.getEncoder().encodeToString(Secrets.randomBytes(32));
        try (PostgresSchema schema = PostgresSchema.create("RateLimitRedisTest");
             RedisServers redis = RedisServers.standalone("RateLimitRedisTest");
             TestWard a = TestWard.onPostgresAndRedis(schema.url(), master, redis.url());
             TestWard b = TestWard.onPostgresAndRedis(schema.url(), master, redis.url())) {
            b.clock.set(a.clock.instant());
            a.createTenant("clinic", Map.of("mfa", Map.of("required_roles", List.of()),
                    "session", Map.of("rotate_after_uses", 1_000_000),
                    "rate_limit", Map.of("per_minute", 4, "per_api_key_per_minute", 3, "per_ip_per_minute", 1_000_000)));
            a.createUser("clinic", "nurse", PW, "staff");
            String token = a.login("clinic", "nurse", PW);
            String other = b.login("clinic", "nurse", PW);
            String key = a.createApiKey("clinic", "sessions");

            for (int i = 0; i < 4; i++) {
                TestWard node = i % 2 == 0 ? a : b;
                assertThat(node.get("/v1/session/patients", token).status()).as("call %d", i + 1).isEqualTo(200);
            }
            long audit = schema.count("audit_events");
            for (TestWard node : List.of(a, b, a, b)) {
                assertLimited(node.get("/v1/session/patients", token), 15);
            }
            assertThat(schema.count("audit_events")).as("refusals write nothing").isEqualTo(audit);
            assertThat(b.get("/v1/session/patients", other).status()).as("another session").isEqualTo(200);

            String validate = TestWard.json(Map.of("token", other));
            assertThat(a.post("/v1/sessions/validate", validate, key).status()).isEqualTo(200);
            assertThat(b.post("/v1/sessions/validate", validate, key).status()).isEqualTo(200);
            assertThat(a.post("/v1/sessions/validate", validate, key).status()).isEqualTo(200);
            assertLimited(b.post("/v1/sessions/validate", validate, key), 20);
            assertLimited(a.post("/v1/sessions/validate", validate, key), 20);

            a.clock.advance(Duration.ofSeconds(15));
            b.clock.set(a.clock.instant());
            assertThat(b.get("/v1/session/patients", token).status()).as("refilled on the clock").isEqualTo(200);
            assertLimited(a.get("/v1/session/patients", token), 15);
        }
    }

    /**
     * Redis down: the session routes answer 503 as before, and the calls served from PostgreSQL alone keep working
     * within limits counted on each node meanwhile, not without limits.
     */
    @Test
    void withRedisDownLimitsAreCountedOnEachNode() throws Exception {
        String master = Base64.getEncoder().encodeToString(Secrets.randomBytes(32));
        try (PostgresSchema schema = PostgresSchema.create("RateLimitRedisTest");
             RedisServers redis = RedisServers.standalone("RateLimitRedisTest");
             TestWard a = TestWard.onPostgresAndRedis(schema.url(), master, redis.url())) {
            a.createTenant("clinic", Map.of("mfa", Map.of("required_roles", List.of()),
                    "rate_limit", Map.of("per_api_key_per_minute", 3)));
            String key = a.createApiKey("clinic", "admin");
            redis.stop();
            for (int i = 0; i < 3; i++) {
                assertThat(a.get("/v1/admin/tenants/clinic", key).status()).as("call %d", i + 1).isEqualTo(200);
            }
            assertLimited(a.get("/v1/admin/tenants/clinic", key), 20);
        }
    }
}
