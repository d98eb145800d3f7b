package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.server.http.RouteTable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CSRF (issue 10, item 2): the browser attaches Ward's cookie to any request, whoever's page makes it. Every
 * state-changing route is tried as the review did — a plain {@code <form enctype="text/plain">} posted from another
 * origin with the administrator's cookie — and every one must refuse without changing anything, the session's
 * use count included.
 */
class BrowserCsrfHttpTest {
    static final String PASSWORD = "Csrf-Guard-Pass-9!";
    static final String EVIL = "https://evil.example";
    static final String APP = "https://portal.stmarys.example";
    static final String OTHER_APP = "https://portal.other.example";
    /** Routes whose caller is never the cookie: they refuse such a form for their own reasons. */
    static final Set<String> NOT_COOKIE_ROUTES = Set.of("/v1/auth/login", "/v1/auth/mfa/verify", "/v1/sessions/validate",
            "/v1/crypto/encrypt", "/v1/crypto/decrypt", "/v1/crypto/rewrap", "/v1/crypto/import-fernet",
            "/v1/audit/events", "/v1/patients/{patient_id}/access");

    static TestWard w;
    static String adminCookie;
    static String adminToken;
    static String userId;
    static String keyId;

    @BeforeAll
    static void start() {
        w = new TestWard();
        w.createTenant("stmarys", Map.of("mfa", Map.of("required_roles", List.of()),
                "browser", Map.of("allowed_origins", List.of(APP))));
        w.createTenant("other", Map.of("mfa", Map.of("required_roles", List.of()),
                "browser", Map.of("allowed_origins", List.of(OTHER_APP))));
        userId = w.createUser("stmarys", "nurse", PASSWORD, "staff");
        w.createUser("stmarys", "boss", PASSWORD, "admin");
        keyId = w.post("/v1/admin/tenants/stmarys/api-keys", "{\"name\":\"portal\",\"scopes\":[\"sessions\"]}", w.adminToken())
                .text("id");
        adminToken = w.login("system", "admin", TestWard.ADMIN_PASSWORD);
        adminCookie = "ward_session=" + adminToken;
    }

    @AfterAll
    static void stop() { w.close(); }

    private static String concrete(String path) {
        return path.replace("{tenant}", "stmarys").replace("{user_id}", userId).replace("{key_id}", keyId)
                .replace("{session_id}", "ses_0000000000000000000000000000").replace("{version}", "1").replace("{key}", "k1")
                .replace("{patient_id}", "p-1").replace("{id}", "bgl_000000000000000000000000");
    }

    /** What the database holds that any of these routes could change. */
    private static String state() {
        return w.get("/v1/admin/tenants", adminToken).raw() + w.get("/v1/admin/tenants/stmarys/users", adminToken).raw()
                + w.get("/v1/admin/tenants/stmarys/api-keys", adminToken).raw() + w.get("/v1/admin/tenants/stmarys/keys", adminToken).raw()
                + w.get("/v1/admin/sessions?tenant=stmarys", adminToken).raw() + w.get("/v1/admin/sessions?tenant=system", adminToken).raw();
    }

    private static long uses() {
        return w.get("/v1/session", adminToken).json().path("uses").asLong();
    }

    @Test
    void aCrossSiteFormChangesNothingOnAnyRoute() {
        List<RouteTable.Route> writes = w.ward.routes().all().stream()
                .filter(r -> Set.of("POST", "PUT", "PATCH", "DELETE").contains(r.method())).toList();
        assertThat(writes).hasSizeGreaterThan(20);
        String before = state();
        long usesBefore = uses();
        for (RouteTable.Route route : writes) {
            var r = w.send(route.method(), concrete(route.path()), "{\"id\":\"evilcorp\",\"name\":\"x\"}=",
                    "Cookie", adminCookie, "Origin", EVIL, "Content-Type", "text/plain");
            if (NOT_COOKIE_ROUTES.contains(route.path())) {
                assertThat(r.status()).as(route + " " + r.raw()).isIn(401, 403, 415);
            } else {
                assertThat(r.status()).as(route + " " + r.raw()).isEqualTo(403);
                assertThat(r.code()).as(route.toString()).isEqualTo("origin_not_allowed");
            }
            assertThat(r.header("Access-Control-Allow-Origin")).as(route.toString()).isNull();
        }
        // Reading the use count is itself one use; the refused requests cost none (nor rotated the token).
        assertThat(uses()).isEqualTo(usesBefore + 1);
        assertThat(state().replaceAll("\"last_seen_at\":\"[^\"]*\"|\"uses\":[0-9]+|\"idle_expires_at\":\"[^\"]*\"", ""))
                .isEqualTo(before.replaceAll("\"last_seen_at\":\"[^\"]*\"|\"uses\":[0-9]+|\"idle_expires_at\":\"[^\"]*\"", ""));
    }

    @Test
    void aCookieWriteWithoutAnyOriginIsRefusedUnlessTheBrowserSaysSameOrigin() {
        String nurse = "ward_session=" + w.login("stmarys", "nurse", PASSWORD);
        var bare = w.send("POST", "/v1/session/keepalive", null, "Cookie", nurse);
        assertThat(bare.status()).isEqualTo(403);
        assertThat(bare.code()).isEqualTo("origin_not_allowed");
        assertThat(w.send("POST", "/v1/session/keepalive", null, "Cookie", nurse, "Sec-Fetch-Site", "same-site").status())
                .as("a sibling subdomain").isEqualTo(403);
        assertThat(w.send("POST", "/v1/session/keepalive", null, "Cookie", nurse, "Sec-Fetch-Site", "cross-site").status())
                .isEqualTo(403);
        assertThat(w.send("POST", "/v1/session/keepalive", null, "Cookie", nurse, "Sec-Fetch-Site", "same-origin").status())
                .isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "https://evil.example", "http://127.0.0.2", "https://portal.stmarys.example.evil.example",
            "https://other.example", OTHER_APP})
    void foreignOriginsCannotWriteWithTheCookie(String origin) {
        String nurse = "ward_session=" + w.login("stmarys", "nurse", PASSWORD);
        var r = w.send("DELETE", "/v1/session/attributes/k1", null, "Cookie", nurse, "Origin", origin);
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.code()).isEqualTo("origin_not_allowed");
    }

    @Test
    void wardsOwnOriginAndTheTenantsAllowedOriginsMayWriteWithJson() {
        String nurse = "ward_session=" + w.login("stmarys", "nurse", PASSWORD);
        for (String origin : List.of(w.base(), APP, APP.toUpperCase())) {
            var put = w.send("PUT", "/v1/session/attributes/theme", "\"dark\"", "Cookie", nurse, "Origin", origin);
            assertThat(put.status()).as(origin + " " + put.raw()).isEqualTo(204);
        }
        var fromApp = w.send("GET", "/v1/session/attributes/theme", null, "Cookie", nurse, "Origin", APP);
        assertThat(fromApp.raw()).isEqualTo("\"dark\"");
    }

    @Test
    void aCookieWriteFromAnAllowedOriginStillNeedsJson() {
        String nurse = "ward_session=" + w.login("stmarys", "nurse", PASSWORD);
        for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x")) {
            var r = w.send("PUT", "/v1/session/attributes/theme", "\"dark\"", "Cookie", nurse, "Origin", APP, "Content-Type", type);
            assertThat(r.status()).as(type).isEqualTo(415);
            assertThat(r.code()).isEqualTo("unsupported_media_type");
        }
        assertThat(w.send("PUT", "/v1/session/attributes/theme", "\"dark\"", "Cookie", nurse, "Origin", APP,
                "Content-Type", "application/json; charset=utf-8").status()).isEqualTo(204);
    }

    /** sendBeacon: POST, the cookie, an Origin, a text/plain body or none (issue 12 item 4). */
    @Test
    void theTwoBeaconRoutesTakeTextPlainOrNoBodyFromAnAllowedOrigin() {
        String nurse = "ward_session=" + w.login("stmarys", "nurse", PASSWORD);
        for (String p : List.of("p-1", "p-2")) {
            assertThat(w.send("POST", "/v1/session/patients/" + p, null, "Cookie", nurse, "Origin", APP).status()).isEqualTo(200);
        }
        var beacon = w.send("POST", "/v1/session/patient-data/clear", "cleanup", "Cookie", nurse, "Origin", APP,
                "Content-Type", "text/plain;charset=UTF-8");
        assertThat(beacon.status()).as(beacon.raw()).isEqualTo(200);
        assertThat(beacon.json().path("cleared").asInt()).isEqualTo(2);
        assertThat(beacon.header("Access-Control-Allow-Origin")).isEqualTo(APP);
        var empty = w.send("POST", "/v1/session/patient-data/clear", null, "Cookie", nurse, "Origin", w.base());
        assertThat(empty.status()).isEqualTo(200);
        assertThat(empty.json().path("cleared").asInt()).isZero();
        assertThat(w.send("GET", "/v1/session", null, "Cookie", nurse).status()).as("the session lives on").isEqualTo(200);

        w.send("POST", "/v1/session/patients/p-3", null, "Cookie", nurse, "Origin", APP);
        var emergency = w.send("POST", "/v1/session/emergency-cleanup", "", "Cookie", nurse, "Origin", APP,
                "Content-Type", "text/plain");
        assertThat(emergency.status()).as(emergency.raw()).isEqualTo(200);
        assertThat(emergency.json().path("cleared").asInt()).isEqualTo(1);
        assertThat(emergency.json().path("terminated").asBoolean()).isTrue();
        assertThat(emergency.header("Set-Cookie")).startsWith("ward_session=;").contains("Max-Age=0");
        var after = w.send("GET", "/v1/session", null, "Cookie", nurse);
        assertThat(after.status()).isEqualTo(401);
        assertThat(after.code()).isEqualTo("session_revoked");
        assertThat(after.json().path("reason").asText()).isEqualTo("emergency_cleanup");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "null", "https://evil.example", OTHER_APP})
    void aBeaconWithoutOrWithAForeignOriginIsRefused(String origin) {
        String token = w.login("stmarys", "nurse", PASSWORD);
        String nurse = "ward_session=" + token;
        w.post("/v1/session/patients/p-1", null, token);
        for (String route : List.of("/v1/session/patient-data/clear", "/v1/session/emergency-cleanup")) {
            var r = origin.isEmpty()
                    ? w.send("POST", route, "x", "Cookie", nurse, "Content-Type", "text/plain", "Sec-Fetch-Site", "same-origin")
                    : w.send("POST", route, "x", "Cookie", nurse, "Origin", origin, "Content-Type", "text/plain");
            assertThat(r.status()).as(route + " " + r.raw()).isEqualTo(403);
            assertThat(r.code()).isEqualTo("origin_not_allowed");
        }
        assertThat(w.get("/v1/session/patients", token).json().path("patients")).as("nothing was cleared").hasSize(1);
    }

    @Test
    void theOtherPatientRoutesStillNeedJsonWithTheCookie() {
        String nurse = "ward_session=" + w.login("stmarys", "nurse", PASSWORD);
        w.send("POST", "/v1/session/patients/p-1", null, "Cookie", nurse, "Origin", APP);
        var r = w.send("PUT", "/v1/session/patients/p-1/data/chart", "{\"a\":1}", "Cookie", nurse, "Origin", APP,
                "Content-Type", "text/plain");
        assertThat(r.status()).isEqualTo(415);
        assertThat(w.send("POST", "/v1/session/patients/p-2", "{}", "Cookie", nurse, "Origin", APP, "Content-Type", "text/plain")
                .status()).isEqualTo(415);
    }

    @Test
    void aBearerTokenIsNotACookieAndNeedsNoOrigin() {
        String token = w.login("stmarys", "nurse", PASSWORD);
        assertThat(w.send("POST", "/v1/session/keepalive", null, "Authorization", "Bearer " + token, "Origin", EVIL).status())
                .isEqualTo(200);
    }

    @Test
    void readsWithTheCookieNeedNoOrigin() {
        String nurse = "ward_session=" + w.login("stmarys", "nurse", PASSWORD);
        assertThat(w.send("GET", "/v1/session", null, "Cookie", nurse, "Origin", EVIL).status()).isEqualTo(200);
    }

    @Test
    void underTlsTheCookieIsHostPrefixedAndThePlainNameIsNotRead() {
        try (TestWard tls = TestWard.withSecureCookies()) {
            var login = tls.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", "system", "username", "admin",
                    "password", TestWard.ADMIN_PASSWORD)));
            String token = login.text("token");
            assertThat(login.header("Set-Cookie")).startsWith("__Host-ward_session=" + token + ";")
                    .contains("; Path=/", "Secure", "HttpOnly", "SameSite=Strict").doesNotContain("Domain", "Max-Age");
            assertThat(tls.send("GET", "/v1/session", null, "Cookie", "__Host-ward_session=" + token).status()).isEqualTo(200);
            // A cookie of the plain name could have been planted by a sibling subdomain or a plain-HTTP page.
            assertThat(tls.send("GET", "/v1/session", null, "Cookie", "ward_session=" + token).status()).isEqualTo(401);
            var out = tls.send("POST", "/v1/auth/logout", null, "Cookie", "__Host-ward_session=" + token, "Origin", tls.base());
            assertThat(out.status()).isEqualTo(204);
            assertThat(out.header("Set-Cookie")).startsWith("__Host-ward_session=;").contains("Max-Age=0", "Secure");
        }
    }
}
