package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.auth.LoginLimits;
import dev.ward.crypto.Secrets;
import dev.ward.store.redis.RedisServers;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With Redis, login rate limits are one budget for all nodes, not one per node. */
class SharedRateLimitTest {
    @Test
    void twoNodesShareTheUsernameBudget() throws Exception {
        String master = Base64.getEncoder().encodeToString(Secrets.randomBytes(32));
        LoginLimits limits = new LoginLimits(1_000, 4);
        try (PostgresSchema schema = PostgresSchema.create("SharedRateLimitTest");
             RedisServers redis = RedisServers.standalone("SharedRateLimitTest");
             TestWard a = TestWard.onPostgresAndRedis(schema.url(), master, redis.url(), limits);
             TestWard b = TestWard.onPostgresAndRedis(schema.url(), master, redis.url(), limits)) {
            a.createTenant("clinic");
            b.clock.set(a.clock.instant());
            String wrong = TestWard.json(Map.of("tenant", "clinic", "username", "zoe", "password", "Not-Her-Password-1!"));
            for (int i = 0; i < 4; i++) {
                TestWard node = i % 2 == 0 ? a : b;
                assertThat(node.send("POST", "/v1/auth/login", wrong).status()).as("attempt %d", i).isEqualTo(401);
            }
            var limited = b.send("POST", "/v1/auth/login", wrong);
            assertThat(limited.status()).isEqualTo(429);
            assertThat(limited.code()).isEqualTo("rate_limited");
            assertThat(a.send("POST", "/v1/auth/login", wrong).status()).as("the other node counts the same budget").isEqualTo(429);
        }
    }
}
