package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.crypto.Secrets;
import dev.ward.store.redis.RedisConnection;
import dev.ward.store.redis.RedisEndpoint;
import dev.ward.store.redis.RedisServers;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code ward check} in production mode, as an operator runs it: a separate process with the environment
 * variables set, against real PostgreSQL and a Redis this test starts (and stops).
 */
class CheckCommandRedisTest {
    record Run(int exit, String out) {}

    private static Run check(String databaseUrl, String redisUrl) throws IOException, InterruptedException {
        WardProcess.Result r = WardProcess.run(Map.of("WARD_DATABASE_URL", databaseUrl,
                        "WARD_MASTER_KEY", Base64.getEncoder().encodeToString(Secrets.randomBytes(32)), "WARD_REDIS_URL", redisUrl),
                "check", "--data-dir", Files.createTempDirectory("check").toString());
        return new Run(r.exit(), r.all());
    }

    @Test
    void reportsRedisAnsweringThenNotAndWarnsAboutAnEvictingPolicy() throws Exception {
        try (PostgresSchema schema = PostgresSchema.create("CheckCommandRedisTest");
             RedisServers redis = RedisServers.standalone("CheckCommandRedisTest")) {
            String described = "Redis " + redis.url().substring("redis://".length()) + "/0";
            Run ok = check(schema.url(), redis.url());
            assertThat(ok.out()).contains("Redis: " + described + " — answers").doesNotContain("maxmemory-policy");
            assertThat(ok.exit()).as(ok.out()).isZero();

            try (RedisConnection c = RedisConnection.open(RedisEndpoint.parse(redis.url()))) {
                c.call(r -> r.configSet("maxmemory-policy", "allkeys-lru"));
            }
            Run evicting = check(schema.url(), redis.url());
            assertThat(evicting.out()).contains("maxmemory-policy is allkeys-lru").contains("noeviction");

            redis.stop();
            Run down = check(schema.url(), redis.url());
            assertThat(down.out()).contains("Redis: " + described + " — DOES NOT ANSWER");
            assertThat(down.exit()).isEqualTo(1);
            assertThat(down.out()).doesNotContain("Exception", "\tat ");
        }
    }

    /** Issue 17, item 5: the check tells a Redis no node has re-applied the recorded revocations to yet (decision 0014). */
    @Test
    void reportsARedisRestartedOrRestoredSinceTheRevocationsWereReapplied() throws Exception {
        String notReconciled = "the first node to use it re-applies them";
        try (PostgresSchema schema = PostgresSchema.create("CheckCommandRedisTest");
             RedisServers redis = RedisServers.standalone("CheckCommandRedisTest")) {
            assertThat(check(schema.url(), redis.url()).out()).as("a Redis no node has used yet").contains(notReconciled);
            try (TestWard w = TestWard.onPostgresAndRedis(schema.url(),
                    Base64.getEncoder().encodeToString(Secrets.randomBytes(32)), redis.url())) {
                w.createTenant("clinic");
                w.createUser("clinic", "ida", "Check-Restore-Pass-1!", "staff");
                String key = w.createApiKey("clinic", "sessions");
                String token = w.login("clinic", "ida", "Check-Restore-Pass-1!");
                assertThat(w.post("/v1/sessions/validate", TestWard.json(Map.of("token", token)), key).status()).isEqualTo(200);
                assertThat(check(schema.url(), redis.url()).out()).as("reconciled by the node's validation")
                        .contains("— answers").doesNotContain(notReconciled);
                redis.save();
            }
            redis.stop();
            redis.restart();
            assertThat(check(schema.url(), redis.url()).out()).as("restored from the snapshot").contains(notReconciled);
        }
    }

    @Test
    void refusesRedisWithoutADatabaseUrlAndABadUrlInOneLine() throws Exception {
        WardProcess.Result r = WardProcess.run(Map.of("WARD_REDIS_URL", "redis://127.0.0.1:6379"),
                "check", "--data-dir", Files.createTempDirectory("check").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.all()).contains("WARD_REDIS_URL needs WARD_DATABASE_URL").doesNotContain("Exception");

        Run bad = check(PostgresSchema.SERVER, "http://127.0.0.1:6379");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.out()).contains("WARD_REDIS_URL must start with redis://").doesNotContain("Exception");
    }
}
