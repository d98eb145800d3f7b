package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.auth.LoginLimits;
import dev.ward.server.http.RouteTable;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What held under the outside review (issue 10, "What held"), pinned so it keeps holding: hostile bodies, username
 * variants, session ids and revoked tokens as credentials, and every administration route across tenants.
 */
class WhatHeldHttpTest {
    static final String PASSWORD = "Held-Firm-Pass-9!";
    static TestWard w;
    static String aAdmin;
    static String bUserId;

    @BeforeAll
    static void start() {
        w = new TestWard();
        w.createTenant("hosp-a");
        w.createTenant("hosp-b");
        w.createUser("hosp-a", "boss", PASSWORD, "admin");
        bUserId = w.createUser("hosp-b", "kate", PASSWORD, "staff");
        aAdmin = w.login("hosp-a", "boss", PASSWORD);
    }

    @AfterAll
    static void stop() { w.close(); }

    private static int postRaw(String path, byte[] body) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(w.base() + path))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + w.adminToken())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(r.body()).doesNotContain("Exception", "at dev.", "at com.");
        return r.statusCode();
    }

    @Test
    void hostileBodiesAre400sNever500s() throws Exception {
        String deep = "[".repeat(5000) + "]".repeat(5000);
        for (String path : List.of("/v1/auth/login", "/v1/admin/tenants")) {
            assertThat(postRaw(path, ("{\"tenant\":" + deep + "}").getBytes())).as("5000-deep " + path).isEqualTo(400);
            assertThat(postRaw(path, "{\"tenant\":\"a\",\"tenant\":\"b\",\"id\":\"x\",\"id\":\"y\"}".getBytes()))
                    .as("duplicate keys " + path).isEqualTo(400);
            assertThat(postRaw(path, new byte[] {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'}))
                    .as("invalid UTF-8 " + path).isEqualTo(400);
            assertThat(postRaw(path, ("{\"id\":1" + "0".repeat(5000) + ",\"tenant\":1e999999999}").getBytes()))
                    .as("huge numbers " + path).isEqualTo(400);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"KATE", " kate ", "\u212Aate", "Kate\t"})
    void usernameVariantsAreTheSameAccount(String variant) {
        var r = w.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", "hosp-b", "username", variant, "password", PASSWORD)));
        if (variant.contains("\t")) {
            assertThat(r.status()).as("a control character is refused at the boundary").isEqualTo(400);
            return;
        }
        assertThat(r.status()).as(variant).isEqualTo(200);
        assertThat(r.json().path("user").path("id").asText()).isEqualTo(bUserId);
    }

    @Test
    void usernameVariantsShareOneRateLimitBudget() {
        try (TestWard limited = TestWard.configured(c -> new Config(c.host(), c.port(), c.dataDir(), c.masterKey(),
                c.bootstrapAdminPassword(), c.cookieSecure(), new LoginLimits(1000, 3), c.argon2(), c.cleanupInterval(),
                c.databaseUrl(), c.redisUrl()))) {
            limited.createTenant("hosp-b");
            limited.createUser("hosp-b", "kate", PASSWORD, "staff");
            int[] statuses = List.of("kate", "KATE", "\u212Aate", " kate").stream()
                    .mapToInt(u -> limited.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", "hosp-b", "username", u,
                            "password", "wrong-" + PASSWORD))).status()).toArray();
            assertThat(statuses).containsExactly(401, 401, 401, 429);
        }
    }

    /** Parallel wrong passwords lock the account once, after exactly login.max_failures of them counted. */
    @Test
    void twentyParallelWrongPasswordsLockTheAccountExactlyOnce() throws Exception {
        try (TestWard wide = TestWard.configured(c -> c.withHashing(20, 40))) {
            wide.createTenant("hosp-b");
            String id = wide.createUser("hosp-b", "kate", PASSWORD, "staff");
            var pool = java.util.concurrent.Executors.newFixedThreadPool(20);
            var start = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<Integer>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < 20; i++) {
                answers.add(pool.submit(() -> {
                    start.await();
                    return wide.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", "hosp-b", "username", "kate",
                            "password", "wrong-" + PASSWORD))).status();
                }));
            }
            start.countDown();
            for (var a : answers) {
                assertThat(a.get()).isEqualTo(401);
            }
            pool.shutdown();
            var locked = wide.ward.audit().recent("hosp-b", "account.locked", 10);
            assertThat(locked).as("one lock").singleElement().satisfies(e -> {
                assertThat(e.details()).containsEntry("failures", 5).containsEntry("lockout_number", 1);
                assertThat(e.userId()).isEqualTo(id);
            });
            var right = wide.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", "hosp-b", "username", "kate",
                    "password", PASSWORD)));
            assertThat(right.status()).as("locked: even the right password is refused").isEqualTo(401);
        }
    }

    @Test
    void aSessionIdIsNeverAToken() {
        String token = w.login("hosp-b", "kate", PASSWORD);
        String id = w.get("/v1/session", token).text("id");
        assertThat(id).startsWith("ses_");
        var r = w.get("/v1/session", id);
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.code()).isIn("session_invalid", "unauthenticated");
    }

    @Test
    void aRevokedTokenIsRefusedOnEveryRouteThatTakesASession() {
        String token = w.login("hosp-b", "kate", PASSWORD);
        assertThat(w.post("/v1/auth/logout", null, token).status()).isEqualTo(204);
        for (RouteTable.Route route : w.ward.routes().all()) {
            if (!route.path().startsWith("/v1/") || route.path().startsWith("/v1/crypto/") || route.path().equals("/v1/auth/login")
                    || route.path().equals("/v1/auth/mfa/verify") || route.path().equals("/v1/sessions/validate")
                    || route.path().equals("/v1/audit/events") || route.path().startsWith("/v1/patients/")) {
                // the last two take an API key only (scopes audit, patients), never a session
                continue;
            }
            String path = route.path().replace("{tenant}", "hosp-b").replace("{user_id}", bUserId).replace("{key_id}", "key_x")
                    .replace("{session_id}", "ses_x").replace("{version}", "1").replace("{key}", "k")
                    .replaceAll("\\{[a-z_]+\\}", "x_1");
            var r = w.send(route.method(), path, route.method().equals("GET") || route.method().equals("DELETE") ? null : "{}",
                    "Authorization", "Bearer " + token);
            assertThat(r.status()).as(route.toString()).isEqualTo(401);
            assertThat(r.code()).as(route.toString()).isEqualTo("session_revoked");
        }
    }

    /** A tenant's administrator reaches nothing of another tenant, through any administration route there is. */
    @Test
    void everyAdministrationRouteRefusesAnotherTenantsAdministrator() {
        Set<String> systemOnly = Set.of("/v1/admin/tenants", "/v1/admin/signing-keys/rotate");
        int checked = 0;
        for (RouteTable.Route route : w.ward.routes().all()) {
            if (!route.path().startsWith("/v1/admin/") || systemOnly.contains(route.path())) {
                continue;
            }
            String path = route.path().replace("{tenant}", "hosp-b").replace("{user_id}", bUserId).replace("{key_id}", "key_x")
                    .replace("{session_id}", "ses_x").replace("{version}", "1").replaceAll("\\{[a-z_]+\\}", "x_1");
            if (!route.path().contains("{tenant}") && !route.path().contains("{session_id}") && !route.path().contains("{id}")) {
                path = path + (path.contains("?") ? "&" : "?") + "tenant=hosp-b";
            }
            var r = w.send(route.method(), path, route.method().equals("GET") || route.method().equals("DELETE") ? null : "{}",
                    "Authorization", "Bearer " + aAdmin);
            assertThat(r.status()).as(route + " " + r.raw()).isIn(403, 404);
            checked++;
        }
        assertThat(checked).isGreaterThanOrEqualTo(18);
    }
}
