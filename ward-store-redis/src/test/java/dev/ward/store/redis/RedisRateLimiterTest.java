package dev.ward.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.problem.StoreUnavailableException;
import dev.ward.testing.MutableClock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Rate limits shared by nodes, on a real Redis this test starts. */
class RedisRateLimiterTest {
    @Test
    void twoNodesShareOneBudgetThatRefillsOverTime() {
        try (RedisServers server = RedisServers.standalone("RedisRateLimiterTest");
             RedisConnection a = RedisConnection.open(RedisEndpoint.parse(server.url()));
             RedisConnection b = RedisConnection.open(RedisEndpoint.parse(server.url()))) {
            MutableClock clock = MutableClock.startingAt("2026-11-22T10:00:00Z");
            String prefix = "ward-test:" + UUID.randomUUID() + ":";
            RedisRateLimiter nodeA = new RedisRateLimiter(a, prefix, clock);
            RedisRateLimiter nodeB = new RedisRateLimiter(b, prefix, clock);

            for (int i = 0; i < 6; i++) {
                assertThat((i % 2 == 0 ? nodeA : nodeB).acquire("login:ip:203.0.113.9", 6)).as("attempt %d", i).isEmpty();
            }
            assertThat(nodeA.acquire("login:ip:203.0.113.9", 6)).hasValue(Duration.ofSeconds(10));
            assertThat(nodeB.acquire("login:ip:203.0.113.9", 6)).hasValue(Duration.ofSeconds(10));
            assertThat(nodeB.acquire("login:ip:198.51.100.1", 6)).as("another bucket").isEmpty();

            clock.advance(Duration.ofSeconds(10));
            assertThat(nodeB.acquire("login:ip:203.0.113.9", 6)).isEmpty();
            assertThat(nodeA.acquire("login:ip:203.0.113.9", 6)).isPresent();

            clock.advance(Duration.ofMinutes(5));
            for (int i = 0; i < 6; i++) {
                assertThat(nodeA.acquire("login:ip:203.0.113.9", 6)).as("refilled to the burst, no more").isEmpty();
            }
            assertThat(nodeA.acquire("login:ip:203.0.113.9", 6)).isPresent();

            // The bucket name never appears in a key.
            java.util.List<String> keys = a.call(r -> r.keys(prefix + "*"));
            assertThat(keys).hasSize(2).noneMatch(k -> k.contains("203.0.113"));
        }
    }

    /**
     * A large limit is leased in batches (decision 0028): two nodes together still grant exactly the shared budget, and
     * they ask Redis about once per lease, not once per call (counted by the server itself).
     */
    @Test
    void largeLimitsAreLeasedInBatchesAndStillSharedExactly() {
        try (RedisServers server = RedisServers.standalone("RedisRateLimiterTest");
             RedisConnection a = RedisConnection.open(RedisEndpoint.parse(server.url()));
             RedisConnection b = RedisConnection.open(RedisEndpoint.parse(server.url()))) {
            MutableClock clock = MutableClock.startingAt("2026-11-22T10:00:00Z");
            String prefix = "ward-test:" + UUID.randomUUID() + ":";
            RedisRateLimiter nodeA = new RedisRateLimiter(a, prefix, clock);
            RedisRateLimiter nodeB = new RedisRateLimiter(b, prefix, clock);
            long perMinute = 6_000;
            assertThat(RedisRateLimiter.leaseSize(perMinute)).isEqualTo(10);
            a.call(r -> r.configResetstat());

            int granted = 0;
            boolean aRefused = false;
            boolean bRefused = false;
            for (int i = 0; !(aRefused && bRefused); i++) {
                RedisRateLimiter node = i % 3 == 0 ? nodeB : nodeA;
                if (node.acquire("k:key_1", perMinute).isEmpty()) {
                    granted++;
                } else if (node == nodeA) {
                    aRefused = true;
                } else {
                    bRefused = true;
                }
            }
            assertThat(granted).as("the shared budget, no more, however the nodes leased it").isEqualTo(6_000);
            long scripts = scriptCalls(a.call(r -> r.info("commandstats")));
            assertThat(scripts).as("about one script per lease of 10").isBetween(600L, 700L);

            for (int i = 0; i < 100; i++) {
                assertThat(nodeA.acquire("k:key_1", perMinute)).isPresent();
            }
            assertThat(scriptCalls(a.call(r -> r.info("commandstats")))).as("refusals are answered locally")
                    .isEqualTo(scripts);
            assertThat(nodeA.acquire("k:key_2", perMinute)).as("another key's budget").isEmpty();
        }
    }

    /** FCALL, EVALSHA and EVAL calls the server has answered since its statistics were reset. */
    private static long scriptCalls(String commandStats) {
        long calls = 0;
        for (String line : commandStats.split("\r?\n")) {
            if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:") || line.startsWith("cmdstat_fcall:")) {
                calls += Long.parseLong(line.replaceAll("^[^:]+:calls=([0-9]+),.*", "$1"));
            }
        }
        return calls;
    }

    @Test
    void failsClosedWhenRedisIsDown() {
        try (RedisServers server = RedisServers.standalone("RedisRateLimiterTest");
             RedisConnection c = RedisConnection.open(RedisEndpoint.parse(server.url()))) {
            RedisRateLimiter limiter = new RedisRateLimiter(c, "ward-test:", MutableClock.startingAt("2026-11-22T10:00:00Z"));
            server.stop();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> limiter.acquire("login:ip:x", 5))
                    .isInstanceOf(StoreUnavailableException.class);
        }
    }
}
