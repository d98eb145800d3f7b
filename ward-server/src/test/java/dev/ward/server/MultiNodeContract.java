package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.crypto.Secrets;
import dev.ward.crypto.TenantKeys;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two Ward nodes in production mode sharing their stores: behaviour is the same as one node. Run on
 * PostgreSQL alone ({@link MultiNodePostgresTest}) and on PostgreSQL + Redis Cluster ({@link MultiNodeRedisTest}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class MultiNodeContract {
    PostgresSchema schema;
    TestWard a;
    TestWard b;
    static final String PW = "Two-Nodes-Pass-1!";
    String keyA;
    String keyB;

    /** A node on the shared PostgreSQL schema (and whatever else the subclass shares). */
    abstract TestWard node(String jdbcUrl, String masterKey);

    @BeforeAll
    void start() {
        schema = PostgresSchema.create(getClass().getSimpleName());
        String master = Base64.getEncoder().encodeToString(Secrets.randomBytes(32));
        a = node(schema.url(), master);
        b = node(schema.url(), master);
        a.createTenant("shared");
        a.patch("/v1/admin/tenants/shared", "{\"policy\":{\"session\":{\"max_concurrent\":2,\"on_limit\":\"reject\","
                + "\"rotate_after_uses\":3}}}", a.adminToken());
        for (String u : List.of("ann", "bob", "cat")) {
            a.createUser("shared", u, PW, "staff");
        }
        keyA = a.createApiKey("shared", "sessions");
        keyB = keyA;
    }

    @AfterAll
    void stop() throws Exception {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        if (schema != null) {
            schema.close();
        }
        closeShared();
    }

    /** Stops what the subclass shares between the nodes, after both nodes are closed. */
    void closeShared() {}

    TestWard.Response validate(TestWard node, String token) {
        return node.post("/v1/sessions/validate", TestWard.json(Map.of("token", token)), keyB);
    }

    @Test
    void aRevokedApiKeyIsRefusedByTheOtherNodeAtOnceEveryTime() {
        String garbage = TestWard.json(Map.of("token", "wst_" + "x".repeat(46)));
        for (int attempt = 0; attempt < 20; attempt++) {
            TestWard.Response created = a.post("/v1/admin/tenants/shared/api-keys",
                    TestWard.json(Map.of("name", "app " + attempt, "scopes", List.of("sessions"))), a.adminToken());
            String key = created.text("key");
            assertThat(b.post("/v1/sessions/validate", garbage, key).code()).as("authenticated (and cached) by B")
                    .isEqualTo("session_invalid");

            assertThat(a.delete("/v1/admin/tenants/shared/api-keys/" + created.text("id"), a.adminToken()).status()).isEqualTo(204);

            assertThat(b.post("/v1/sessions/validate", garbage, key).code()).as("attempt %d", attempt).isEqualTo("invalid_api_key");
        }
        assertThat(b.get("/v1/admin/tenants/shared/api-keys", b.adminToken()).json().path("api_keys").findValues("revoked_at"))
                .filteredOn(v -> !v.isNull()).hasSize(20);
    }

    @Test
    void aPolicyChangedOnOneNodeAppliesOnTheOtherAtOnce() {
        a.createTenant("policy", Map.of("mfa", Map.of("required_roles", List.of()),
                "session", Map.of("rotate_after_uses", 1000)));
        a.createUser("policy", "pia", PW, "staff");
        String token = a.login("policy", "pia", PW);
        String policyKey = a.createApiKey("policy", "sessions");
        String portal = "https://portal.policy.example";
        TestWard.Response first = b.post("/v1/sessions/validate", TestWard.json(Map.of("token", token)), policyKey);
        assertThat(first.json().has("rotated_token")).as("B has read (and cached) the policy").isFalse();
        assertThat(preflight(b, portal).header("Access-Control-Allow-Origin")).as("B has read (and cached) the origins").isNull();

        assertThat(a.patch("/v1/admin/tenants/policy", TestWard.json(Map.of("policy", Map.of("session", Map.of("rotate_after_uses", 2),
                "browser", Map.of("allowed_origins", List.of(portal))))), a.adminToken()).status()).isEqualTo(200);

        TestWard.Response next = b.post("/v1/sessions/validate", TestWard.json(Map.of("token", token)), policyKey);
        assertThat(next.text("rotated_token")).as("the new policy, on B at once").startsWith("wst_");
        assertThat(preflight(b, portal).header("Access-Control-Allow-Origin")).as("the new origin, on B at once").isEqualTo(portal);
    }

    @Test
    void aKeyVersionRotatedAndDestroyedOnOneNodeIsDroppedByTheOtherAtOnce() {
        a.createTenant("keys");
        String crypto = a.createApiKey("keys", "crypto");
        String underV1 = encrypt(b, crypto);
        assertThat(underV1).startsWith("ward:v1:");
        assertThat(decrypt(b, crypto, underV1).status()).as("B holds version 1").isEqualTo(200);

        assertThat(a.post("/v1/admin/tenants/keys/keys/rotate", null, a.adminToken()).status()).isEqualTo(200);

        assertThat(encrypt(b, crypto)).as("B seals under the new primary at once").startsWith("ward:v2:");
        a.clock.advance(TenantKeys.FRESHNESS);
        TestWard.Response destroyed = a.post("/v1/admin/tenants/keys/keys/1/destroy", "{\"confirm\":true}", a.adminToken());
        assertThat(destroyed.status()).as(destroyed.raw()).isEqualTo(200);
        TestWard.Response gone = decrypt(b, crypto, underV1);
        assertThat(gone.code()).as("B's clock has not moved: only the notice can have dropped its key").isEqualTo("decrypt_failed");
        assertThat(gone.text("reason")).isEqualTo("key_destroyed");
    }

    private static TestWard.Response preflight(TestWard node, String origin) {
        return node.send("OPTIONS", "/v1/auth/login", null, "Origin", origin, "Access-Control-Request-Method", "POST",
                "Access-Control-Request-Headers", "content-type");
    }

    private static String encrypt(TestWard node, String apiKey) {
        return node.post("/v1/crypto/encrypt", TestWard.json(Map.of("field", "f", "plaintext", "p")), apiKey).text("ciphertext");
    }

    private static TestWard.Response decrypt(TestWard node, String apiKey, String ciphertext) {
        return node.post("/v1/crypto/decrypt", TestWard.json(Map.of("field", "f", "ciphertext", ciphertext)), apiKey);
    }

    @Test
    void bootstrapHappensOnceAndBothNodesServeTheSameAdmin() {
        assertThat(a.console).contains("Ward bootstrap");
        assertThat(b.console).doesNotContain("Ward bootstrap");
        assertThat(b.adminToken()).startsWith("wst_");
    }

    @Test
    void loginOnOneNodeValidatesOnTheOtherAndLogoutIsImmediateEverywhere() {
        String token = a.login("shared", "ann", PW);
        assertThat(validate(b, token).status()).isEqualTo(200);
        assertThat(b.post("/v1/auth/logout", null, token).status()).isEqualTo(204);
        var dead = validate(a, token);
        assertThat(dead.code()).isEqualTo("session_revoked");
        assertThat(dead.text("reason")).isEqualTo("logout");
    }

    @Test
    void eightParallelLoginsOverTwoNodesAgainstALimitOfTwo() throws Exception {
        String body = TestWard.json(Map.of("tenant", "shared", "username", "bob", "password", PW));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch gate = new CountDownLatch(1);
            List<Future<TestWard.Response>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                TestWard node = i % 2 == 0 ? a : b;
                answers.add(pool.submit(() -> {
                    gate.await();
                    return node.send("POST", "/v1/auth/login", body);
                }));
            }
            gate.countDown();
            int ok = 0;
            int limited = 0;
            for (var f : answers) {
                var r = f.get();
                if (r.status() == 200) {
                    ok++;
                } else if ("session_limit_reached".equals(r.code())) {
                    limited++;
                }
            }
            assertThat(ok).isEqualTo(2);
            assertThat(limited).isEqualTo(6);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRotationOnOneNodeIsSeenByTheOther() {
        String token = a.login("shared", "cat", PW);
        validate(a, token);
        validate(a, token);
        var rotated = validate(a, token);
        String fresh = rotated.text("rotated_token");
        assertThat(fresh).startsWith("wst_");
        assertThat(validate(b, fresh).status()).isEqualTo(200);
        assertThat(validate(b, token).status()).as("old token within the grace, on the other node").isEqualTo(200);
        assertThat(b.get("/v1/session", fresh).json().path("uses").asLong()).isGreaterThanOrEqualTo(4);
    }
}
