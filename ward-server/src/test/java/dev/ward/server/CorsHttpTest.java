package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CORS (issue 10, item 14): a page on an origin a tenant allows can call Ward from the browser; any other origin
 * gets no CORS headers, so the browser keeps Ward's answers from it.
 */
class CorsHttpTest {
    static final String PASSWORD = "Cors-Guard-Pass-9!";
    static final String APP = "https://portal.stmarys.example";
    static final String OTHER_APP = "https://portal.other.example";
    static TestWard w;

    @BeforeAll
    static void start() {
        w = new TestWard();
        w.createTenant("stmarys", Map.of("mfa", Map.of("required_roles", List.of()),
                "browser", Map.of("allowed_origins", List.of(APP))));
        w.createTenant("other", Map.of("mfa", Map.of("required_roles", List.of()),
                "browser", Map.of("allowed_origins", List.of(OTHER_APP))));
        w.createUser("stmarys", "nurse", PASSWORD, "staff");
    }

    @AfterAll
    static void stop() { w.close(); }

    private static TestWard.Response preflight(String path, String origin, String method) {
        return w.send("OPTIONS", path, null, "Origin", origin, "Access-Control-Request-Method", method,
                "Access-Control-Request-Headers", "content-type");
    }

    @Test
    void aPreflightFromAnAllowedOriginIsGranted() {
        var r = preflight("/v1/auth/login", APP, "POST");
        assertThat(r.status()).isEqualTo(204);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo(APP);
        assertThat(r.header("Access-Control-Allow-Credentials")).isEqualTo("true");
        assertThat(r.header("Access-Control-Allow-Methods")).contains("POST");
        assertThat(r.header("Access-Control-Allow-Headers")).containsIgnoringCase("content-type");
        assertThat(r.header("Vary")).contains("Origin");
        assertThat(r.header("Content-Type")).isNull();
    }

    @Test
    void emptyAnswersHaveNoContentType() {
        String token = w.login("stmarys", "nurse", PASSWORD);
        var r = w.post("/v1/auth/logout", null, token);
        assertThat(r.status()).isEqualTo(204);
        assertThat(r.header("Content-Type")).isNull();
    }

    @Test
    void aPreflightFromAnyOtherOriginGetsNoCorsHeaders() {
        var r = preflight("/v1/auth/login", "https://evil.example", "POST");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.code()).isEqualTo("origin_not_allowed");
        assertThat(r.header("Access-Control-Allow-Origin")).isNull();
        assertThat(r.header("Access-Control-Allow-Credentials")).isNull();
    }

    @Test
    void aPlainOptionsListsTheMethodsAndAnUnknownPathIsA404() {
        var r = w.send("OPTIONS", "/v1/session", null);
        assertThat(r.status()).isEqualTo(204);
        assertThat(r.header("Allow")).isEqualTo("GET, OPTIONS");
        var unknown = w.send("OPTIONS", "/v1/nothing-here", null);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.code()).isEqualTo("not_found");
        assertThat(unknown.header("Content-Type")).startsWith("application/problem+json");
    }

    @Test
    void aBrowserOnAnAllowedOriginSignsInAndReadsItsSession() {
        var login = w.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", "stmarys", "username", "nurse",
                "password", PASSWORD)), "Origin", APP);
        assertThat(login.status()).isEqualTo(200);
        assertThat(login.header("Access-Control-Allow-Origin")).isEqualTo(APP);
        assertThat(login.header("Access-Control-Allow-Credentials")).isEqualTo("true");
        String cookie = "ward_session=" + login.text("token");
        var me = w.send("GET", "/v1/session", null, "Cookie", cookie, "Origin", APP);
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.header("Access-Control-Allow-Origin")).isEqualTo(APP);
        assertThat(me.header("Vary")).contains("Origin");
    }

    /** One cookie serves every tenant's users: another tenant's app must not read this tenant's answers through it. */
    @Test
    void anOriginAllowedOnlyByAnotherTenantCannotReadThisTenantsSession() {
        String cookie = "ward_session=" + w.login("stmarys", "nurse", PASSWORD);
        assertThat(preflight("/v1/session", OTHER_APP, "GET").status()).as("some tenant allows it").isEqualTo(204);
        var me = w.send("GET", "/v1/session", null, "Cookie", cookie, "Origin", OTHER_APP);
        assertThat(me.header("Access-Control-Allow-Origin")).isNull();
        var login = w.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", "stmarys", "username", "nurse",
                "password", PASSWORD)), "Origin", OTHER_APP);
        assertThat(login.status()).isEqualTo(403);
        assertThat(login.code()).isEqualTo("origin_not_allowed");
        assertThat(login.header("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void anOriginAddedToThePolicyIsAllowedAtOnce() {
        String added = "https://kiosk.stmarys.example";
        assertThat(preflight("/v1/session", added, "GET").status()).isEqualTo(403);
        w.patch("/v1/admin/tenants/stmarys", TestWard.json(Map.of("policy", Map.of("browser",
                Map.of("allowed_origins", List.of(APP, added))))), w.adminToken());
        assertThat(preflight("/v1/session", added, "GET").status()).isEqualTo(204);
    }

    @Test
    void errorsToAnAllowedOriginCarryCorsHeadersSoThePageCanReadThem() {
        var r = w.send("GET", "/v1/session", null, "Origin", APP);
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo(APP);
    }
}
