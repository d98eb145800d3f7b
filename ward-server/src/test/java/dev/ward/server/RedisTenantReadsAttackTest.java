package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.store.redis.RedisConnection;
import dev.ward.store.redis.RedisEndpoint;
import dev.ward.store.redis.RedisServers;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Attacks (attack13) on the reads of Redis record layout 3 that walk a whole tenant — one read of the tenant's slot
 * bitmap ({@code BITFIELD}), then one {@code ZRANGE} or {@code ZCOUNT} per slot the tenant has used, up to 16,384 — from
 * callers who should not be able to set them off, or not often: no credential, a staff session, an app's key without
 * scope admin, another tenant's administrator. Counted on a Redis of the test's own with {@code INFO commandstats}.
 */
class RedisTenantReadsAttackTest {
    static final String PASSWORD = "Tenant-Reads-Pass-9!";
    /** The counts /metrics may take at once before its budget refills at one a second (WardMetrics.COUNT_BURST). */
    static final long SCRAPE_BURST = 10;
    /** Walks of every tenant in one count: the live sessions', then the live patient contexts' (each reads the bitmap). */
    static final long WALKS_PER_COUNT = 2;

    @Test
    void onlyAnAdministratorOfTheTenantSetsOffAWalkAndScrapesAreBudgeted() throws Exception {
        try (RedisServers redisServer = RedisServers.standalone("RedisTenantReadsAttackTest");
             PostgresSchema schema = PostgresSchema.create("RedisTenantReadsAttackTest");
             TestWard w = TestWard.onPostgresAndRedis(schema.url(), java.util.Base64.getEncoder()
                     .encodeToString(dev.ward.crypto.Secrets.randomBytes(32)), redisServer.url());
             RedisConnection redis = RedisConnection.open(RedisEndpoint.parse(redisServer.url()))) {
            w.createTenant("clinic", Map.of("mfa", Map.of("required_roles", List.of())));
            w.createTenant("rival", Map.of("mfa", Map.of("required_roles", List.of())));
            for (int i = 0; i < 2; i++) {
                w.createUser("clinic", "nurse" + i, PASSWORD, "staff");
                w.login("clinic", "nurse" + i, PASSWORD);
            }
            String staff = w.login("clinic", "nurse0", PASSWORD);
            w.createUser("rival", "rivalboss", PASSWORD, "admin");
            String rivalBoss = w.login("rival", "rivalboss", PASSWORD);
            String appKey = w.createApiKey("clinic", "sessions", "audit", "patients");
            w.createUser("clinic", "boss", PASSWORD, "admin");
            String boss = w.login("clinic", "boss", PASSWORD);

            redis.call(r -> r.configResetstat());
            for (String token : new String[] {null, staff, appKey, rivalBoss, "wst_" + "A".repeat(62)}) {
                List<String> paths = token == rivalBoss ? List.of("/v1/admin/sessions?tenant=clinic")
                        : List.of("/v1/admin/sessions?tenant=clinic", "/v1/admin/sessions?tenant=clinic&limit=1000", "/v1/admin/sessions");
                for (String path : paths) {
                    var r = w.get(path, token);
                    assertThat(r.status()).as(path + " with " + (token == null ? "nothing" : token.substring(0, 4))).isIn(401, 403);
                }
            }
            assertThat(calls(redis, "bitfield")).as("refusals walk nothing").isZero();
            assertThat(calls(redis, "zrange")).isZero();

            var own = w.get("/v1/admin/sessions?tenant=clinic", boss);
            assertThat(own.status()).isEqualTo(200);
            assertThat(own.json().path("sessions").size()).isEqualTo(4);
            assertThat(calls(redis, "bitfield")).as("the tenant's administrator lists: one walk").isEqualTo(1);

            redis.call(r -> r.configResetstat());
            long start = System.nanoTime();
            int scrapes = 60;
            for (int i = 0; i < scrapes; i++) {
                assertThat(w.send("GET", "/metrics", null).status()).isEqualTo(200);
            }
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;
            // Each count walks every tenant twice (a bitmap read each): at most the burst plus one a second, however many
            // scrapes.
            long walks = calls(redis, "bitfield");
            assertThat(walks).as("%d scrapes in about %d s", scrapes, seconds)
                    .isLessThanOrEqualTo((SCRAPE_BURST + seconds + 1) * WALKS_PER_COUNT * tenantsWithSessions(redis));
        }
    }

    private static long tenantsWithSessions(RedisConnection redis) {
        return redis.call(r -> r.keys("ward:tr:*")).size();
    }

    private static long calls(RedisConnection redis, String command) {
        for (String line : redis.call(r -> r.info("commandstats")).lines().toList()) {
            if (line.startsWith("cmdstat_" + command + ":")) {
                String n = line.substring(line.indexOf("calls=") + 6);
                return Long.parseLong(n.substring(0, n.indexOf(',')));
            }
        }
        return 0;
    }
}
