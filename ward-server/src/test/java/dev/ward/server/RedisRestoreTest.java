package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.crypto.Secrets;
import dev.ward.store.redis.RedisServers;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, item 5 (decision 0014): Redis restored from a snapshot holds, as live, sessions that were ended after the
 * snapshot was taken. Here a Redis this test started is saved with every session live, half are then ended (logouts, an
 * administrator's end, a disabled user), Redis is killed (-9) and started again from that {@code dump.rdb}: every ended
 * token still answers {@code session_revoked}, with the reason it was ended for, and the others stay valid. Before the
 * fix the logged-out tokens answered valid again.
 */
class RedisRestoreTest {
    private static final String PW = "Restore-From-Snapshot-1!";

    private static String master() {
        return Base64.getEncoder().encodeToString(Secrets.randomBytes(32));
    }

    private static TestWard.Response validate(TestWard w, String key, String token) {
        return w.post("/v1/sessions/validate", TestWard.json(Map.of("token", token)), key);
    }

    /** Polls (real time: Lettuce reconnects on its own schedule, not on Ward's injected clock) until the status is met. */
    private static TestWard.Response await(int status, Supplier<TestWard.Response> call) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(20);
        TestWard.Response r = call.get();
        while (r.status() != status && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
            r = call.get();
        }
        return r;
    }

    @Test
    void sessionsEndedAfterTheSnapshotStayEndedWhenRedisIsRestoredFromIt() throws Exception {
        try (RedisServers redis = RedisServers.standalone("RedisRestoreTest")) {
            endedStayEnded(redis);
        }
    }

    /** The same on a Redis Cluster whose three masters are all killed and restarted from their snapshots. */
    @Test
    void sessionsEndedAfterTheSnapshotStayEndedWhenARedisClusterIsRestoredFromIt() throws Exception {
        try (RedisServers redis = RedisServers.cluster("RedisRestoreTest")) {
            endedStayEnded(redis);
        }
    }

    private static void endedStayEnded(RedisServers redis) throws Exception {
        try (PostgresSchema schema = PostgresSchema.create("RedisRestoreTest");
             TestWard w = TestWard.onPostgresAndRedis(schema.url(), master(), redis.url())) {
            w.createTenant("clinic");
            String key = w.createApiKey("clinic", "sessions");
            String admin = w.createApiKey("clinic", "admin");
            List<String> users = new ArrayList<>();
            List<String> tokens = new ArrayList<>();
            for (int u = 0; u < 6; u++) {
                users.add(w.createUser("clinic", "nurse" + u, PW, "staff"));
                tokens.add(w.login("clinic", "nurse" + u, PW));
                tokens.add(w.login("clinic", "nurse" + u, PW));
            }
            tokens.forEach(t -> assertThat(validate(w, key, t).status()).isEqualTo(200));

            redis.save();

            // Ended after the snapshot: four logouts, one session ended by an administrator, a disabled user's two.
            Map<String, String> ended = new java.util.LinkedHashMap<>();
            for (int i : new int[] {0, 2, 4, 6}) {
                assertThat(w.post("/v1/auth/logout", null, tokens.get(i)).status()).isEqualTo(204);
                ended.put(tokens.get(i), "logout");
            }
            String sessionId = w.get("/v1/session", tokens.get(8)).text("id");
            assertThat(w.delete("/v1/admin/sessions/" + sessionId, admin).status()).isEqualTo(204);
            ended.put(tokens.get(8), "admin");
            assertThat(w.post("/v1/admin/tenants/clinic/users/" + users.get(5) + "/disable", null, admin).status()).isEqualTo(204);
            ended.put(tokens.get(10), "user_disabled");
            ended.put(tokens.get(11), "user_disabled");
            List<String> kept = tokens.stream().filter(t -> !ended.containsKey(t)).toList();
            ended.keySet().forEach(t -> assertThat(validate(w, key, t).code()).isEqualTo("session_revoked"));

            redis.stop();
            redis.restart(); // from the dump.rdb saved above: every one of those sessions live again in Redis

            TestWard.Response back = await(200, () -> validate(w, key, kept.get(0)));
            assertThat(back.status()).as(back.raw()).isEqualTo(200);
            ended.forEach((token, reason) -> {
                TestWard.Response r = validate(w, key, token);
                assertThat(r.code()).as("ended (%s) before the restore: %s", reason, r.raw()).isEqualTo("session_revoked");
                assertThat(r.text("reason")).isEqualTo(reason);
            });
            kept.forEach(t -> assertThat(validate(w, key, t).status()).isEqualTo(200));
            // Nothing new was recorded: re-applying is not a second revocation.
            assertThat(schema.count("audit_events WHERE type = 'session.revoked'")).isEqualTo(ended.size());
        }
    }

    @Test
    void aRestoredRedisIsNotTrustedUntilTheRevocationsCanBeReapplied() throws Exception {
        String master = master();
        try (PostgresSchema schema = PostgresSchema.create("RedisRestoreTest");
             RedisServers redis = RedisServers.standalone("RedisRestoreTest");
             TcpProxy proxy = new TcpProxy(5432);
             TestWard w = TestWard.onPostgresAndRedis(schema.url().replace("127.0.0.1:5432", "127.0.0.1:" + proxy.port()),
                     master, redis.url())) {
            w.createTenant("clinic");
            String key = w.createApiKey("clinic", "sessions");
            w.createUser("clinic", "omar", PW, "staff");
            String gone = w.login("clinic", "omar", PW);
            String kept = w.login("clinic", "omar", PW);
            assertThat(validate(w, key, gone).status()).isEqualTo(200);
            assertThat(validate(w, key, kept).status()).isEqualTo(200); // the API key is cached from here on
            redis.save();
            assertThat(w.post("/v1/auth/logout", null, gone).status()).isEqualTo(204);

            proxy.cut(); // the database cannot say which sessions ended
            redis.stop();
            redis.restart();

            // Redis answers again, but is not the one the revocations were applied to: neither token is trusted.
            TestWard.Response r = await(503, () -> validate(w, key, gone));
            for (int i = 0; i < 5; i++) {
                r = validate(w, key, gone);
                assertThat(r.status()).as(r.raw()).isEqualTo(503);
                assertThat(r.code()).isEqualTo("store_unavailable");
            }

            proxy.restore();

            TestWard.Response again = await(401, () -> validate(w, key, gone));
            assertThat(again.code()).as(again.raw()).isEqualTo("session_revoked");
            assertThat(validate(w, key, kept).status()).isEqualTo(200);
        }
    }
}
