package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ward.auth.LoginLimits;
import dev.ward.crypto.Secrets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The request boundary (issue 10, items 5 and 6). U+0000 gave a 500 on PostgreSQL, which cannot store it, and the
 * attempt went missing from login history and audit; an API-key caller that left {@code client.ip} empty escaped
 * the per-address limits. Each case runs on the embedded database and on PostgreSQL.
 */
class InputBoundaryHttpTest {
    static final String PASSWORD = "Boundary-Pass-9!x";

    static Stream<Arguments> databases() {
        return Stream.of(Arguments.of("embedded"), Arguments.of("postgresql"));
    }

    /** A server on the named database (a fresh PostgreSQL schema, dropped after), with these login limits. */
    private static <T> T on(String database, LoginLimits limits, Function<TestWard, T> test) {
        String master = Base64.getEncoder().encodeToString(Secrets.randomBytes(32));
        try (PostgresSchema schema = database.equals("postgresql") ? PostgresSchema.create("InputBoundaryHttpTest") : null;
             TestWard w = schema == null
                     ? TestWard.configured(c -> withLimits(c, limits))
                     : TestWard.configured(schema.url(), master, java.util.Optional.empty(), c -> withLimits(c, limits))) {
            w.createTenant("stmarys");
            w.createUser("stmarys", "nurse", PASSWORD, "staff");
            return test.apply(w);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Config withLimits(Config c, LoginLimits limits) {
        return new Config(c.host(), c.port(), c.dataDir(), c.masterKey(), c.bootstrapAdminPassword(), c.cookieSecure(), limits,
                c.argon2(), c.cleanupInterval(), c.databaseUrl(), c.redisUrl());
    }

    private static TestWard.Response login(TestWard w, Map<String, Object> body, String... headers) {
        return w.send("POST", "/v1/auth/login", TestWard.json(body), headers);
    }

    private static Map<String, Object> body(String tenant, String username, String password, Map<String, String> client) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("tenant", tenant);
        b.put("username", username);
        b.put("password", password);
        if (client != null) {
            b.put("client", client);
        }
        return b;
    }

    private static JsonNode history(TestWard w, String tenant) {
        return w.get("/v1/admin/login-history?tenant=" + tenant + "&limit=5", w.adminToken()).json().path("attempts");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aNulInALoginIsA400AndStillRecordedAsAFailedAttempt(String database) {
        on(database, new LoginLimits(1000, 1000), w -> {
            String key = w.createApiKey("stmarys", "sessions");
            List<Map<String, Object>> attempts = List.of(
                    body("stmarys", "nur\u0000se", PASSWORD, null),
                    body("stmarys", "nurse", "pass\u0000word", null),
                    body("stmarys", "nurse\u0007", PASSWORD, null));
            for (Map<String, Object> attempt : attempts) {
                var r = login(w, attempt);
                assertThat(r.status()).as(r.raw()).isEqualTo(400);
                assertThat(r.code()).isEqualTo("validation_failed");
                assertThat(r.raw()).doesNotContain("\u0000", "\\u0000\"");
            }
            var agent = login(w, body("stmarys", "nurse", PASSWORD, Map.of("ip", "203.0.113.7", "user_agent", "Fire\u0000fox")),
                    "Authorization", "Bearer " + key);
            assertThat(agent.status()).isEqualTo(400);
            assertThat(agent.text("field")).isEqualTo("client.user_agent");

            JsonNode recorded = history(w, "stmarys");
            assertThat(recorded).hasSize(4);
            for (JsonNode a : recorded) {
                assertThat(a.path("outcome").asText()).isEqualTo("failed");
                assertThat(a.path("failure_reason").asText()).isEqualTo("invalid_input");
                assertThat(a.toString()).doesNotContain("\\u0000");
            }
            assertThat(recorded.get(3).path("username").asText()).isEqualTo("nur\uFFFDse");
            assertThat(w.ward.audit().recent("stmarys", "login.failed", 10)).hasSize(4)
                    .allSatisfy(e -> assertThat(e.details()).containsEntry("reason", "invalid_input"));

            var unknownTenant = login(w, body("st\u0000marys", "nurse", PASSWORD, null));
            assertThat(unknownTenant.status()).isEqualTo(400);
            assertThat(history(w, "system").get(0).path("username").asText()).isEqualTo("st\uFFFDmarys/nurse");
            return null;
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aNulAnywhereElseIsA400NamingWhere(String database) {
        on(database, new LoginLimits(1000, 1000), w -> {
            String admin = w.adminToken();
            var tenant = w.post("/v1/admin/tenants", TestWard.json(Map.of("id", "x\u0000y", "name", "X")), admin);
            assertThat(tenant.status()).isEqualTo(400);
            var name = w.post("/v1/admin/tenants", TestWard.json(Map.of("id", "clinic", "name", "Cli\u0000nic")), admin);
            assertThat(name.status()).isEqualTo(400);
            assertThat(name.text("field")).isEqualTo("name");
            var key = w.post("/v1/admin/tenants/stmarys/api-keys", TestWard.json(Map.of("name", "por\u0000tal", "scopes",
                    List.of("sessions"))), admin);
            assertThat(key.status()).isEqualTo(400);
            var nested = w.patch("/v1/admin/tenants/stmarys", TestWard.json(Map.of("policy", Map.of("browser",
                    Map.of("allowed_origins", List.of("https://a\u0000.example"))))), admin);
            assertThat(nested.status()).isEqualTo(400);
            assertThat(nested.text("field")).isEqualTo("policy.browser.allowed_origins[0]");
            var query = w.get("/v1/admin/login-history?tenant=stmarys&username=nur%00se", admin);
            assertThat(query.status()).isEqualTo(400);
            assertThat(query.text("field")).isEqualTo("username");
            var path = w.get("/v1/admin/tenants/st%00marys/users", admin);
            assertThat(path.status()).isEqualTo(400);
            assertThat(path.header("Content-Type")).startsWith("application/problem+json");
            var attribute = w.put("/v1/session/attributes/k%01", "1", admin);
            assertThat(attribute.status()).isEqualTo(400);
            // Nothing was created on the way.
            assertThat(w.get("/v1/admin/tenants", admin).json().path("tenants")).hasSize(2);
            assertThat(w.get("/v1/admin/tenants/stmarys/api-keys", admin).json().path("api_keys")).isEmpty();
            return null;
        });
    }

    /** The budget is 4 a minute per address: the administrator's login during set-up took one of them. */
    @Test
    void anApiKeyCallerWithoutAClientAddressIsLimitedByTheConnectionsAddress() {
        on("embedded", new LoginLimits(4, 1000), w -> {
            String key = w.createApiKey("stmarys", "sessions");
            List<Map<String, String>> clients = List.of(Map.of("ip", ""), Map.of("user_agent", "Firefox"), Map.of("ip", ""));
            for (Map<String, String> client : clients) {
                assertThat(login(w, body("stmarys", "nurse", PASSWORD, client), "Authorization", "Bearer " + key).status())
                        .isEqualTo(200);
            }
            var fourth = login(w, body("stmarys", "nurse", PASSWORD, Map.of("ip", "")), "Authorization", "Bearer " + key);
            assertThat(fourth.status()).isEqualTo(429);
            assertThat(fourth.header("Retry-After")).isNotNull();
            assertThat(history(w, "stmarys").get(1).path("ip").asText()).isEqualTo("127.0.0.1");
            return null;
        });
    }

    @Test
    void aClientAddressMustBeAnIpAddress() {
        on("embedded", new LoginLimits(1000, 1000), w -> {
            String key = w.createApiKey("stmarys", "sessions");
            for (String bad : List.of("not-an-ip", "203.0.113.256", "010.0.0.1", "fe80::1%eth0", "[::1]", "example.org", "1.2.3")) {
                var r = login(w, body("stmarys", "nurse", PASSWORD, Map.of("ip", bad)), "Authorization", "Bearer " + key);
                assertThat(r.status()).as(bad).isEqualTo(400);
                assertThat(r.text("field")).isEqualTo("client.ip");
            }
            assertThat(history(w, "stmarys").get(0).path("failure_reason").asText()).isEqualTo("invalid_input");
            return null;
        });
    }

    @Test
    void oneAddressIsOneBucketHoweverSpelledAndAnIpv6Slash64IsOne() {
        on("embedded", new LoginLimits(2, 1000), w -> {
            String key = w.createApiKey("stmarys", "sessions");
            assertThat(login(w, body("stmarys", "nurse", PASSWORD, Map.of("ip", "2001:db8::1")), "Authorization", "Bearer " + key)
                    .status()).isEqualTo(200);
            assertThat(login(w, body("stmarys", "nurse", PASSWORD, Map.of("ip", "2001:0DB8:0:0:0:0:0:0001")),
                    "Authorization", "Bearer " + key).status()).isEqualTo(200);
            // The same /64: one subscriber's network, one budget.
            assertThat(login(w, body("stmarys", "nurse", PASSWORD, Map.of("ip", "2001:db8::2")), "Authorization", "Bearer " + key)
                    .status()).isEqualTo(429);
            assertThat(login(w, body("stmarys", "nurse", PASSWORD, Map.of("ip", "::ffff:198.51.100.4")),
                    "Authorization", "Bearer " + key).json().path("session").path("client").path("ip").asText())
                    .isEqualTo("198.51.100.4");
            return null;
        });
    }

    @Test
    void theMfaVerifyAddressLimitCannotBeEscapedEither() {
        on("embedded", new LoginLimits(2, 1000), w -> {
            String key = w.createApiKey("stmarys", "sessions");
            String body = TestWard.json(Map.of("challenge", "wmc_" + "A".repeat(43), "code", "123456", "client", Map.of("ip", "")));
            // MFA verification has a bucket per address of its own, apart from the logins of set-up.
            assertThat(w.send("POST", "/v1/auth/mfa/verify", body, "Authorization", "Bearer " + key).status()).isEqualTo(401);
            assertThat(w.send("POST", "/v1/auth/mfa/verify", body, "Authorization", "Bearer " + key).status()).isEqualTo(401);
            assertThat(w.send("POST", "/v1/auth/mfa/verify", body, "Authorization", "Bearer " + key).status()).isEqualTo(429);
            return null;
        });
    }
}
