package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.crypto.Secrets;
import dev.ward.store.redis.RedisServers;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Stores really going away under a running server (issue 4): a Redis this test started is killed and
 * started again; PostgreSQL is cut off by a TCP relay between it and Ward. Ward answers 503
 * {@code store_unavailable} naming the store (never "valid", never a 500), readiness says which store is
 * down, and service resumes without a restart when the store is back.
 */
class FailClosedTest {
    private static final String PW = "Fail-Closed-Pass-1!";
    private static final Duration RECOVERY = Duration.ofSeconds(15);

    private static String master() {
        return Base64.getEncoder().encodeToString(Secrets.randomBytes(32));
    }

    private static String loginBody(String user) {
        return TestWard.json(Map.of("tenant", "clinic", "username", user, "password", PW));
    }

    private static TestWard.Response validate(TestWard w, String key, String token) {
        return w.post("/v1/sessions/validate", TestWard.json(Map.of("token", token)), key);
    }

    private static void assertStoreDown(TestWard.Response r, String store) {
        assertThat(r.status()).as(r.raw()).isEqualTo(503);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.code()).isEqualTo("store_unavailable");
        assertThat(r.text("store")).isEqualTo(store);
        assertThat(r.raw()).doesNotContain("Exception", "at dev.", "at io.");
    }

    /** Polls (real time: the store's own restart is not on the test clock) until the answer is what we want. */
    private static TestWard.Response awaitStatus(int status, Supplier<TestWard.Response> call) throws InterruptedException {
        Instant deadline = Instant.now().plus(RECOVERY);
        TestWard.Response r = call.get();
        while (r.status() != status && Instant.now().isBefore(deadline)) {
            // Lettuce's and Hikari's reconnects run on real time (a backoff of up to 2 s), not on Ward's injected
            // clock, so only waiting lets them happen; the deadline bounds it and no timing is asserted.
            Thread.sleep(100);
            r = call.get();
        }
        return r;
    }

    @Test
    void redisStoppedAndStartedUnderARunningServer() throws Exception {
        try (PostgresSchema schema = PostgresSchema.create("FailClosedTest");
             RedisServers redis = RedisServers.standalone("FailClosedTest");
             TestWard w = TestWard.onPostgresAndRedis(schema.url(), master(), redis.url())) {
            w.createTenant("clinic");
            String nina = w.createUser("clinic", "nina", PW, "staff");
            String key = w.createApiKey("clinic", "sessions");
            String adminKey = w.createApiKey("clinic", "admin");
            String token = w.login("clinic", "nina", PW);
            assertThat(validate(w, key, token).status()).isEqualTo(200);
            long created = schema.count("audit_events WHERE type = 'session.created'");

            redis.stop();

            var down = validate(w, key, token);
            assertStoreDown(down, "redis");
            assertThat(down.text("detail")).isEqualTo("Redis is unavailable; try again shortly.");
            assertStoreDown(w.get("/v1/session", token), "redis");
            assertStoreDown(w.send("POST", "/v1/auth/login", loginBody("nina")), "redis");
            var ready = w.get("/health/ready", null);
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.json().path("checks").path("redis").asText()).isEqualTo("down");
            assertThat(ready.json().path("checks").path("database").asText()).isEqualTo("up");
            assertThat(w.get("/health/live", null).status()).isEqualTo(200);
            // The failed login left nothing behind: no session announced in the audit trail.
            assertThat(schema.count("audit_events WHERE type = 'session.created'")).isEqualTo(created);
            // Disabling a user cannot end their sessions now, so it changes nothing rather than half of it.
            assertStoreDown(w.post("/v1/admin/tenants/clinic/users/" + nina + "/disable", null, adminKey), "redis");
            assertThat(w.get("/v1/admin/tenants/clinic/users/" + nina, adminKey).text("status")).isEqualTo("active");

            redis.restart();

            assertThat(awaitStatus(200, () -> w.get("/health/ready", null)).status()).isEqualTo(200);
            var again = awaitStatus(200, () -> w.send("POST", "/v1/auth/login", loginBody("nina")));
            assertThat(again.status()).as(again.raw()).isEqualTo(200);
            assertThat(validate(w, key, again.text("token")).status()).isEqualTo(200);
            // This Redis keeps nothing on disk: the sessions it held are gone and their holders sign in again.
            assertThat(validate(w, key, token).json().path("code").asText()).isEqualTo("session_invalid");
            assertThat(schema.count("audit_events WHERE type = 'session.created'")).isEqualTo(created + 1);
        }
    }

    @Test
    void aNodeCutOffFromPostgresForgetsWhatItCachedBeforeServingAgain() throws Exception {
        String master = master();
        String garbage = TestWard.json(Map.of("token", "wst_" + "x".repeat(46)));
        try (PostgresSchema schema = PostgresSchema.create("FailClosedTest");
             TcpProxy proxy = new TcpProxy(5432);
             TestWard a = TestWard.onPostgres(schema.url(), master);
             TestWard b = TestWard.onPostgres(schema.url().replace("127.0.0.1:5432", "127.0.0.1:" + proxy.port()), master)) {
            a.createTenant("clinic");
            TestWard.Response created = a.post("/v1/admin/tenants/clinic/api-keys",
                    TestWard.json(Map.of("name", "app", "scopes", java.util.List.of("sessions"))), a.adminToken());
            String key = created.text("key");
            assertThat(b.post("/v1/sessions/validate", garbage, key).code()).as("cached by B").isEqualTo("session_invalid");

            proxy.cut();
            // B's listener is cut off too: the notice of this revocation never reaches B.
            assertThat(a.delete("/v1/admin/tenants/clinic/api-keys/" + created.text("id"), a.adminToken()).status()).isEqualTo(204);
            proxy.restore();

            var first = awaitStatus(401, () -> b.post("/v1/sessions/validate", garbage, key));
            assertThat(first.code()).as("B's first answer once it reaches PostgreSQL again: " + first.raw())
                    .isEqualTo("invalid_api_key");
        }
    }

    @Test
    void postgresCutOffAndRestoredUnderARunningServer() throws Exception {
        try (PostgresSchema schema = PostgresSchema.create("FailClosedTest");
             TcpProxy proxy = new TcpProxy(5432);
             TestWard w = TestWard.onPostgres(schema.url().replace("127.0.0.1:5432", "127.0.0.1:" + proxy.port()), master())) {
            w.createTenant("clinic");
            w.createUser("clinic", "omar", PW, "staff");
            String key = w.createApiKey("clinic", "sessions");
            String token = w.login("clinic", "omar", PW);
            assertThat(validate(w, key, token).status()).isEqualTo(200);

            proxy.cut();

            assertStoreDown(validate(w, key, token), "database");
            assertStoreDown(w.send("POST", "/v1/auth/login", loginBody("omar")), "database");
            var ready = w.get("/health/ready", null);
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.json().path("checks").path("database").asText()).isEqualTo("down");

            proxy.restore();

            var back = awaitStatus(200, () -> validate(w, key, token));
            assertThat(back.status()).as(back.raw()).isEqualTo(200);
            assertThat(w.get("/health/ready", null).status()).isEqualTo(200);
            assertThat(w.send("POST", "/v1/auth/login", loginBody("omar")).status()).isEqualTo(200);
        }
    }
}
