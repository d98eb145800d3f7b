package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** C2 through HTTP: the login contract, cookies, uniform failures, lockout, unlock, history, validate, logout. */
class LoginHttpTest {
    static TestWard w;
    static final String PASSWORD = "Stethoscope-77!";
    static String appKey;

    @BeforeAll static void start() {
        w = new TestWard();
        w.createTenant("stmarys");
        w.createTenant("other");
        w.createUser("stmarys", "drhouse", PASSWORD, "provider");
        appKey = w.createApiKey("stmarys", "sessions");
        w.patch("/v1/admin/tenants/stmarys", "{\"policy\":{\"login\":{\"max_failures\":3,\"lockout_seconds\":60}}}", w.adminToken());
    }

    @AfterAll static void stop() { w.close(); }

    static String loginBody(String tenant, String user, String password) {
        return TestWard.json(Map.of("tenant", tenant, "username", user, "password", password));
    }

    @Test
    void browserLoginAnswersPerApiAndSetsAStrictSessionCookie() {
        var r = w.send("POST", "/v1/auth/login", loginBody("stmarys", "drhouse", PASSWORD), "User-Agent", "Firefox/140");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text("status")).isEqualTo("authenticated");
        String token = r.text("token");
        assertThat(token).matches("wst_[A-Za-z0-9_-]{62}");
        var session = r.json().path("session");
        assertThat(session.path("id").asText()).startsWith("ses_").isNotEqualTo(token);
        assertThat(session.path("tenant").asText()).isEqualTo("stmarys");
        assertThat(session.path("user").path("username").asText()).isEqualTo("drhouse");
        assertThat(session.path("user").path("roles").get(0).asText()).isEqualTo("provider");
        assertThat(session.path("aal").asInt()).isEqualTo(1);
        assertThat(session.path("client").path("user_agent").asText()).isEqualTo("Firefox/140");
        assertThat(session.path("client").path("ip").asText()).isEqualTo("127.0.0.1");
        for (String f : List.of("created_at", "last_seen_at", "idle_expires_at", "absolute_expires_at", "uses", "patients")) {
            assertThat(session.has(f)).as(f).isTrue();
        }
        assertThat(r.json().path("user").path("id").asText()).startsWith("usr_");
        String cookie = r.header("Set-Cookie");
        assertThat(cookie).startsWith("ward_session=" + token).contains("HttpOnly", "SameSite=Strict", "Path=/")
                .doesNotContain("Max-Age", "Expires", "Secure");
        assertThat(r.raw()).doesNotContain("password_hash", "argon2");
    }

    @Test
    void cookieIsSecureWhenConfiguredForTls() {
        try (TestWard tls = TestWard.withSecureCookies()) {
            var r = tls.send("POST", "/v1/auth/login", loginBody("system", "admin", TestWard.ADMIN_PASSWORD));
            assertThat(r.header("Set-Cookie")).contains("Secure", "HttpOnly", "SameSite=Strict");
        }
    }

    @Test
    void cookieAloneAuthenticatesAndLogoutClearsIt() {
        var r = w.send("POST", "/v1/auth/login", loginBody("stmarys", "drhouse", PASSWORD));
        String token = r.text("token");
        var me = w.send("GET", "/v1/session", null, "Cookie", "ward_session=" + token);
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.json().path("uses").asLong()).isEqualTo(1);
        var out = w.send("POST", "/v1/auth/logout", null, "Cookie", "ward_session=" + token, "Origin", w.base());
        assertThat(out.status()).isEqualTo(204);
        assertThat(out.header("Set-Cookie")).contains("ward_session=;", "Max-Age=0");
        assertThat(out.header("Clear-Site-Data")).isEqualTo("\"cookies\"");
        assertThat(w.send("GET", "/v1/session", null, "Cookie", "ward_session=" + token).code()).isEqualTo("session_revoked");
    }

    @Test
    void apiKeyCallerGetsNoCookieAndItsClientObjectIsTrusted() {
        String body = TestWard.json(Map.of("tenant", "stmarys", "username", "drhouse", "password", PASSWORD,
                "client", Map.of("ip", "203.0.113.9", "user_agent", "Clinic Portal iOS")));
        var r = w.send("POST", "/v1/auth/login", body, "Authorization", "Bearer " + appKey);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Set-Cookie")).isNull();
        assertThat(r.json().path("session").path("client").path("ip").asText()).isEqualTo("203.0.113.9");
        assertThat(r.json().path("session").path("client").path("user_agent").asText()).isEqualTo("Clinic Portal iOS");
    }

    @Test
    void browserCannotForgeItsClientAddress() {
        String body = TestWard.json(Map.of("tenant", "stmarys", "username", "drhouse", "password", PASSWORD,
                "client", Map.of("ip", "198.51.100.1", "user_agent", "forged")));
        var r = w.send("POST", "/v1/auth/login", body, "X-Forwarded-For", "198.51.100.2");
        assertThat(r.json().path("session").path("client").path("ip").asText()).isEqualTo("127.0.0.1");
    }

    @Test
    void apiKeyOfAnotherTenantCannotLogUsersIn() {
        String otherKey = w.createApiKey("other", "sessions");
        var r = w.send("POST", "/v1/auth/login", loginBody("stmarys", "drhouse", PASSWORD), "Authorization", "Bearer " + otherKey);
        assertThat(r.status()).isEqualTo(403);
        String noScope = w.createApiKey("stmarys", "crypto");
        r = w.send("POST", "/v1/auth/login", loginBody("stmarys", "drhouse", PASSWORD), "Authorization", "Bearer " + noScope);
        assertThat(r.code()).isEqualTo("insufficient_scope");
    }

    @Test
    void unknownUserWrongPasswordDisabledAndLockedAllLookTheSame() {
        w.createUser("stmarys", "uniform1", PASSWORD, "staff");
        String disabledId = w.createUser("stmarys", "uniform2", PASSWORD, "staff");
        w.post("/v1/admin/tenants/stmarys/users/" + disabledId + "/disable", null, w.adminToken());
        w.createUser("stmarys", "uniform3", PASSWORD, "staff");
        for (int i = 0; i < 3; i++) {
            w.send("POST", "/v1/auth/login", loginBody("stmarys", "uniform3", "nope"));
        }
        var unknownTenant = w.send("POST", "/v1/auth/login", loginBody("nowhere", "uniform1", PASSWORD));
        var unknownUser = w.send("POST", "/v1/auth/login", loginBody("stmarys", "ghost", PASSWORD));
        var wrongPassword = w.send("POST", "/v1/auth/login", loginBody("stmarys", "uniform1", "Wrong-Password-1!"));
        var disabled = w.send("POST", "/v1/auth/login", loginBody("stmarys", "uniform2", PASSWORD));
        var locked = w.send("POST", "/v1/auth/login", loginBody("stmarys", "uniform3", PASSWORD));
        for (var r : List.of(unknownTenant, unknownUser, wrongPassword, disabled, locked)) {
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.code()).isEqualTo("invalid_credentials");
            assertThat(r.raw()).isEqualTo(wrongPassword.raw());
        }
    }

    @Test
    void lockoutAfterMaxFailuresThenExpiresThenGrows() {
        String id = w.createUser("stmarys", "locky", PASSWORD, "staff");
        for (int i = 0; i < 3; i++) {
            assertThat(w.send("POST", "/v1/auth/login", loginBody("stmarys", "locky", "bad"), "X-Forwarded-For", "10.0.0." + i)
                    .status()).isEqualTo(401);
        }
        assertThat(w.send("POST", "/v1/auth/login", loginBody("stmarys", "locky", PASSWORD)).status()).isEqualTo(401);
        var user = w.get("/v1/admin/tenants/stmarys/users/" + id, w.adminToken());
        assertThat(user.text("status")).isEqualTo("locked");
        w.clock.advance(Duration.ofSeconds(61));
        assertThat(w.get("/v1/admin/tenants/stmarys/users/" + id, w.adminToken()).text("status")).isEqualTo("active");
        for (int i = 0; i < 3; i++) {
            w.send("POST", "/v1/auth/login", loginBody("stmarys", "locky", "bad"));
        }
        w.clock.advance(Duration.ofSeconds(61));
        assertThat(w.send("POST", "/v1/auth/login", loginBody("stmarys", "locky", PASSWORD)).status())
                .as("second lockout lasts twice as long").isEqualTo(401);
        w.clock.advance(Duration.ofSeconds(60));
        assertThat(w.send("POST", "/v1/auth/login", loginBody("stmarys", "locky", PASSWORD)).status()).isEqualTo(200);
    }

    @Test
    void adminUnlockLetsTheUserInAtOnce() {
        String id = w.createUser("stmarys", "unlockme", PASSWORD, "staff");
        for (int i = 0; i < 3; i++) {
            w.send("POST", "/v1/auth/login", loginBody("stmarys", "unlockme", "bad"));
        }
        assertThat(w.send("POST", "/v1/auth/login", loginBody("stmarys", "unlockme", PASSWORD)).status()).isEqualTo(401);
        assertThat(w.post("/v1/admin/tenants/stmarys/users/" + id + "/unlock", null, w.adminToken()).status()).isEqualTo(204);
        assertThat(w.send("POST", "/v1/auth/login", loginBody("stmarys", "unlockme", PASSWORD)).status()).isEqualTo(200);
        assertThat(w.ward.audit().recent("stmarys", "account.unlocked", 10)).anyMatch(e -> id.equals(e.userId()));
        assertThat(w.ward.audit().recent("stmarys", "account.locked", 10)).anyMatch(e -> id.equals(e.userId()));
    }

    @Test
    void loginHistoryRecordsEveryAttemptNewestFirst() {
        w.createUser("stmarys", "historian", PASSWORD, "staff");
        w.send("POST", "/v1/auth/login", loginBody("stmarys", "historian", "bad-one"), "User-Agent", "UA-1");
        w.send("POST", "/v1/auth/login", loginBody("stmarys", "historian", PASSWORD), "User-Agent", "UA-2");
        var r = w.get("/v1/admin/login-history?tenant=stmarys&username=historian", w.adminToken());
        assertThat(r.status()).isEqualTo(200);
        var attempts = r.json().path("attempts");
        assertThat(attempts).hasSize(2);
        assertThat(attempts.get(0).path("outcome").asText()).isEqualTo("succeeded");
        assertThat(attempts.get(0).path("failure_reason").isNull()).isTrue();
        assertThat(attempts.get(0).path("user_agent").asText()).isEqualTo("UA-2");
        assertThat(attempts.get(1).path("outcome").asText()).isEqualTo("failed");
        assertThat(attempts.get(1).path("failure_reason").asText()).isEqualTo("wrong_password");
        assertThat(attempts.get(1).path("ip").asText()).isEqualTo("127.0.0.1");
        assertThat(attempts.get(1).path("at").asText()).endsWith("Z");
        assertThat(r.raw()).doesNotContain("bad-one", PASSWORD);
    }

    @Test
    void validateByApiKeyCountsUsesAndRefusesOtherTenants() {
        String token = w.login("stmarys", "drhouse", PASSWORD);
        var r = w.post("/v1/sessions/validate", TestWard.json(Map.of("token", token)), appKey);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("valid").asBoolean()).isTrue();
        assertThat(r.json().path("session").path("uses").asLong()).isEqualTo(1);
        r = w.post("/v1/sessions/validate", TestWard.json(Map.of("token", token)), appKey);
        assertThat(r.json().path("session").path("uses").asLong()).isEqualTo(2);

        String otherKey = w.createApiKey("other", "sessions");
        r = w.post("/v1/sessions/validate", TestWard.json(Map.of("token", token)), otherKey);
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.code()).isEqualTo("session_tenant_mismatch");
        assertThat(w.ward.audit().recent("other", "security.cross_tenant_denied", 10)).isNotEmpty();

        String cryptoOnly = w.createApiKey("stmarys", "crypto");
        assertThat(w.post("/v1/sessions/validate", TestWard.json(Map.of("token", token)), cryptoOnly).code())
                .isEqualTo("insufficient_scope");
        for (String bad : List.of("", "wst_", "wst_short", "wak_" + "A".repeat(43), "x".repeat(5000), "wst_ÄÖÜ" + "é".repeat(40))) {
            var bogus = w.post("/v1/sessions/validate", TestWard.json(Map.of("token", bad)), appKey);
            assertThat(bogus.status()).as(bad).isIn(400, 401);
        }
    }

    @Test
    void disablingAUserEndsTheirSessions() {
        String id = w.createUser("stmarys", "leaver", PASSWORD, "staff");
        String token = w.login("stmarys", "leaver", PASSWORD);
        assertThat(w.post("/v1/admin/tenants/stmarys/users/" + id + "/disable", null, w.adminToken()).status()).isEqualTo(204);
        assertThat(w.get("/v1/session", token).code()).isEqualTo("session_revoked");
        assertThat(w.get("/v1/admin/tenants/stmarys/users/" + id, w.adminToken()).text("status")).isEqualTo("disabled");
        assertThat(w.post("/v1/admin/tenants/stmarys/users/" + id + "/enable", null, w.adminToken()).status()).isEqualTo(204);
        assertThat(w.send("POST", "/v1/auth/login", loginBody("stmarys", "leaver", PASSWORD)).status()).isEqualTo(200);
    }

    @Test
    void browserLoginsMustBeJsonFromAnAllowedOrigin() {
        String body = loginBody("stmarys", "drhouse", PASSWORD);
        var form = w.send("POST", "/v1/auth/login", body, "Content-Type", "text/plain");
        assertThat(form.status()).isEqualTo(415);
        assertThat(form.code()).isEqualTo("unsupported_media_type");
        assertThat(form.header("Set-Cookie")).isNull();
        var foreign = w.send("POST", "/v1/auth/login", body, "Origin", "https://evil.example");
        assertThat(foreign.status()).isEqualTo(403);
        assertThat(foreign.code()).isEqualTo("origin_not_allowed");
        assertThat(w.send("POST", "/v1/auth/login", body, "Origin", w.base()).status()).as("Ward's own origin").isEqualTo(200);
        w.patch("/v1/admin/tenants/stmarys", "{\"policy\":{\"browser\":{\"allowed_origins\":[\"https://portal.stmarys.example\"]}}}",
                w.adminToken());
        assertThat(w.send("POST", "/v1/auth/login", body, "Origin", "https://portal.stmarys.example").status()).isEqualTo(200);
        var app = w.send("POST", "/v1/auth/login", body, "Authorization", "Bearer " + appKey, "Origin", "https://evil.example");
        assertThat(app.status()).as("an API-key caller is a back-end, not a browser").isEqualTo(200);
    }

    @Test
    void attemptsAgainstAMissingTenantStayWithTheSystemTenant() {
        w.send("POST", "/v1/auth/login", loginBody("not-yet", "someone", "Whatever-123!"));
        w.createTenant("not-yet");
        assertThat(w.get("/v1/admin/login-history?tenant=not-yet", w.adminToken()).json().path("attempts")).isEmpty();
        var system = w.get("/v1/admin/login-history?tenant=system", w.adminToken());
        assertThat(system.raw()).contains("not-yet/someone").contains("unknown_tenant");
    }

    @Test
    void usernamesAreCaseInsensitive() {
        assertThat(w.send("POST", "/v1/auth/login", loginBody("stmarys", "DrHouse", PASSWORD)).status()).isEqualTo(200);
    }
}
