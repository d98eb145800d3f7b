package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.auth.LoginLimits;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every error status of API.md's conventions, provoked through HTTP with bad input. */
class ProblemResponsesHttpTest {
    static TestWard w;
    static final String GOOD_PASSWORD = "Correct-Horse-42!";

    @BeforeAll static void start() {
        w = new TestWard();
        w.createTenant("clinic");
        w.createUser("clinic", "nurse", GOOD_PASSWORD, "staff");
    }

    @AfterAll static void stop() { w.close(); }

    static void assertProblem(TestWard.Response r, int status, String code) {
        assertThat(r.status()).as(r.raw()).isEqualTo(status);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.json().path("status").asInt()).isEqualTo(status);
        assertThat(r.code()).isEqualTo(code);
        assertThat(r.json().path("title").asText()).isNotBlank();
        assertThat(r.json().path("type").asText()).isNotBlank();
        assertThat(r.raw()).doesNotContain("Exception", "\tat ", "SELECT", "INSERT", "jdbc:");
        assertSecurityHeaders(r);
    }

    static void assertSecurityHeaders(TestWard.Response r) {
        assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(r.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(r.header("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        assertThat(r.header("Content-Security-Policy")).contains("default-src 'none'");
    }

    @Test
    void malformedJsonIsValidationFailedNamingTheBody() {
        var r = w.send("POST", "/v1/auth/login", "{\"tenant\": \"clinic\", ");
        assertProblem(r, 400, "validation_failed");
        assertThat(r.text("field")).isEqualTo("body");
    }

    @Test
    void bodyThatIsNotAnObjectIsRefused() {
        assertProblem(w.send("POST", "/v1/auth/login", "[1,2]"), 400, "validation_failed");
        assertProblem(w.send("POST", "/v1/auth/login", "\"x\""), 400, "validation_failed");
        assertProblem(w.send("POST", "/v1/auth/login", ""), 400, "validation_failed");
        assertProblem(w.send("POST", "/v1/auth/login", "{} {}"), 400, "validation_failed");
        assertProblem(w.send("POST", "/v1/auth/login", "{\"tenant\":\"a\",\"tenant\":\"b\"}"), 400, "validation_failed");
    }

    @Test
    void wrongTypeNamesTheField() {
        var r = w.send("POST", "/v1/auth/login", "{\"tenant\": 7, \"username\": \"nurse\", \"password\": \"x\"}");
        assertProblem(r, 400, "validation_failed");
        assertThat(r.text("field")).isEqualTo("tenant");
        r = w.post("/v1/admin/tenants/clinic/users", "{\"username\":\"x\",\"password\":\"y\",\"roles\":\"staff\"}", w.adminToken());
        assertProblem(r, 400, "validation_failed");
        assertThat(r.text("field")).isEqualTo("roles");
        r = w.post("/v1/admin/tenants/clinic/users", "{\"username\":\"x\",\"password\":\"y\",\"roles\":[1]}", w.adminToken());
        assertThat(r.text("field")).isEqualTo("roles");
        r = w.send("POST", "/v1/auth/login", "{\"tenant\":\"clinic\",\"username\":\"nurse\",\"password\":\"x\",\"client\":5}");
        assertThat(r.text("field")).isEqualTo("client");
    }

    @Test
    void missingFieldNamesTheField() {
        var r = w.send("POST", "/v1/auth/login", "{\"tenant\": \"clinic\", \"username\": \"nurse\"}");
        assertProblem(r, 400, "validation_failed");
        assertThat(r.text("field")).isEqualTo("password");
        r = w.send("POST", "/v1/auth/login", "{\"tenant\": \"clinic\", \"username\": \"\", \"password\": \"p\"}");
        assertThat(r.text("field")).isEqualTo("username");
    }

    @Test
    void unknownFieldsAreIgnored() {
        var r = w.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", "clinic", "username", "nurse",
                "password", GOOD_PASSWORD, "remember_me", true)));
        assertThat(r.status()).isEqualTo(200);
    }

    @Test
    void bodyOver64KibIs413WithContentLength() {
        String huge = "{\"tenant\":\"" + "a".repeat(70_000) + "\"}";
        assertProblem(w.send("POST", "/v1/auth/login", huge), 413, "payload_too_large");
    }

    @Test
    void chunkedBodyOver64KibIs413() throws Exception {
        byte[] huge = ("{\"tenant\":\"" + "a".repeat(70_000) + "\"}").getBytes();
        var request = HttpRequest.newBuilder(URI.create(w.base() + "/v1/auth/login")).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(huge))).build();
        var r = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).contains("payload_too_large");
    }

    @Test
    void bodyOfExactly64KibIsRead() {
        String filler = "x".repeat(64 * 1024 - "{\"tenant\":\"clinic\",\"username\":\"nurse\",\"password\":\"\",\"pad\":\"\"}".length()
                - GOOD_PASSWORD.length());
        String body = "{\"tenant\":\"clinic\",\"username\":\"nurse\",\"password\":\"" + GOOD_PASSWORD + "\",\"pad\":\"" + filler + "\"}";
        assertThat(body.length()).isEqualTo(64 * 1024);
        assertThat(w.send("POST", "/v1/auth/login", body).status()).isEqualTo(200);
    }

    @Test
    void errorsJettyAnswersItselfAreProblemJsonWithTheSecurityHeadersToo() throws Exception {
        var big = w.send("GET", "/health/live", null, "X-Big", "a".repeat(20_000));
        assertProblem(big, 431, "request_header_too_large");
        String raw;
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", w.ward.port())) {
            socket.getOutputStream().write("GET /%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            raw = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        assertThat(raw).startsWith("HTTP/1.1 400").contains("application/problem+json").contains("X-Frame-Options: DENY")
                .contains("\"code\":\"bad_request\"").doesNotContain("<html");
    }

    @Test
    void unknownRouteIs404() {
        assertProblem(w.get("/v1/nothing-here", null), 404, "not_found");
        // "/" is the landing page; an unknown path beside it is not.
        assertProblem(w.get("/nothing-here", null), 404, "not_found");
    }

    @Test
    void wrongMethodIs405WithAllow() {
        var r = w.send("DELETE", "/v1/auth/login", null);
        assertProblem(r, 405, "method_not_allowed");
        assertThat(r.header("Allow")).isEqualTo("POST");
        r = w.send("PUT", "/v1/admin/tenants/clinic", "{}");
        assertProblem(r, 405, "method_not_allowed");
        assertThat(r.header("Allow")).contains("GET", "PATCH");
    }

    @Test
    void missingCredentialsAre401WithChallenge() {
        var r = w.get("/v1/admin/tenants", null);
        assertProblem(r, 401, "unauthenticated");
        assertThat(r.header("WWW-Authenticate")).startsWith("Bearer");
        assertProblem(w.get("/v1/session", null), 401, "unauthenticated");
        assertProblem(w.send("POST", "/v1/sessions/validate", "{\"token\":\"x\"}"), 401, "unauthenticated");
    }

    @Test
    void garbageCredentialsAre401() {
        assertProblem(w.get("/v1/admin/tenants", "garbage"), 401, "session_invalid");
        assertProblem(w.get("/v1/admin/tenants", "wak_garbage"), 401, "invalid_api_key");
        assertProblem(w.get("/v1/admin/tenants", "wak_" + "A".repeat(43)), 401, "invalid_api_key");
        assertProblem(w.get("/v1/admin/tenants", "wst_" + "A".repeat(43)), 401, "session_invalid");
        assertProblem(w.send("GET", "/v1/admin/tenants", null, "Authorization", "Basic YWRtaW46YWRtaW4="), 401, "unauthenticated");
        assertProblem(w.send("GET", "/v1/admin/tenants", null, "Authorization", "Bearer "), 401, "unauthenticated");
        assertProblem(w.send("GET", "/v1/session", null, "Cookie", "ward_session=wst_nonsense"), 401, "session_invalid");
        assertProblem(w.post("/v1/sessions/validate", "{\"token\":\"x\"}", "wst_" + "A".repeat(43)), 401, "invalid_api_key");
    }

    @Test
    void expiredSessionIs401SessionExpired() {
        String token = w.login("clinic", "nurse", GOOD_PASSWORD);
        assertThat(w.get("/v1/session", token).status()).isEqualTo(200);
        w.clock.advance(Duration.ofMinutes(31));
        try {
            assertProblem(w.get("/v1/session", token), 401, "session_expired");
        } finally {
            w.clock.advance(Duration.ofMinutes(-31));
        }
    }

    @Test
    void loggedOutSessionIs401SessionRevoked() {
        String token = w.login("clinic", "nurse", GOOD_PASSWORD);
        assertThat(w.post("/v1/auth/logout", null, token).status()).isEqualTo(204);
        assertProblem(w.get("/v1/session", token), 401, "session_revoked");
        assertProblem(w.post("/v1/auth/logout", null, token), 401, "session_revoked");
    }

    @Test
    void duplicatesAre409() {
        assertProblem(w.post("/v1/admin/tenants", "{\"id\":\"clinic\",\"name\":\"Again\"}", w.adminToken()), 409, "tenant_exists");
        assertProblem(w.post("/v1/admin/tenants/clinic/users",
                TestWard.json(Map.of("username", "NURSE", "password", GOOD_PASSWORD, "roles", new String[] {"staff"})),
                w.adminToken()), 409, "user_exists");
    }

    @Test
    void tooManyRolesIs400NotA500() {
        String roles = TestWard.json(java.util.stream.IntStream.range(0, 40).mapToObj(i -> "role" + "x".repeat(27) + i).toList());
        var r = w.post("/v1/admin/tenants/clinic/users", "{\"username\":\"many\",\"password\":\"" + GOOD_PASSWORD
                + "\",\"roles\":" + roles + "}", w.adminToken());
        assertProblem(r, 400, "validation_failed");
        assertThat(r.text("field")).isEqualTo("roles");
    }

    @Test
    void weakPasswordIs422ListingEveryReason() {
        var r = w.post("/v1/admin/tenants/clinic/users",
                "{\"username\":\"drsmith\",\"password\":\"drsmith\",\"roles\":[\"provider\"]}", w.adminToken());
        assertProblem(r, 422, "weak_password");
        assertThat(r.json().path("reasons").findValuesAsText("code"))
                .containsExactlyInAnyOrder("too_short", "missing_uppercase", "missing_digit", "missing_special", "contains_username");
        r = w.post("/v1/admin/tenants/clinic/users",
                "{\"username\":\"drjones\",\"password\":\"password1234\",\"roles\":[\"provider\"]}", w.adminToken());
        assertThat(r.json().path("reasons").findValuesAsText("code")).contains("common_password");
        assertThat(r.raw()).doesNotContain("password1234");
    }

    @Test
    void badQueryParameterIs400() {
        var r = w.get("/v1/admin/login-history?limit=abc", w.adminToken());
        assertProblem(r, 400, "validation_failed");
        assertThat(r.text("field")).isEqualTo("limit");
        assertProblem(w.get("/v1/admin/login-history?limit=0", w.adminToken()), 400, "validation_failed");
    }

    @Test
    void successfulResponsesCarryTheSecurityHeadersToo() {
        assertSecurityHeaders(w.get("/health/live", null));
        assertSecurityHeaders(w.get("/v1/admin/tenants", w.adminToken()));
    }

    @Test
    void tooManyLoginsAre429WithRetryAfter() {
        try (TestWard limited = new TestWard(new LoginLimits(1000, 2))) {
            String body = TestWard.json(Map.of("tenant", "system", "username", "admin", "password", "wrong"));
            assertThat(limited.send("POST", "/v1/auth/login", body).status()).isEqualTo(401);
            assertThat(limited.send("POST", "/v1/auth/login", body).status()).isEqualTo(401);
            var r = limited.send("POST", "/v1/auth/login", body);
            assertProblem(r, 429, "rate_limited");
            assertThat(Integer.parseInt(r.header("Retry-After"))).isBetween(1, 60);
            limited.clock.advance(Duration.ofSeconds(31));
            assertThat(limited.send("POST", "/v1/auth/login", body).status()).isEqualTo(401);
        }
    }

    @Test
    void databaseDownIs503AndReadinessSaysWhich() {
        try (TestWard broken = new TestWard()) {
            assertThat(broken.get("/health/ready", null).status()).isEqualTo(200);
            broken.ward.closeDatabaseForTest();
            var r = broken.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", "system", "username", "admin",
                    "password", TestWard.ADMIN_PASSWORD)));
            assertProblem(r, 503, "store_unavailable");
            assertThat(r.text("store")).isEqualTo("database");
            var ready = broken.get("/health/ready", null);
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.json().path("checks").path("database").asText()).isEqualTo("down");
            assertThat(broken.get("/health/live", null).status()).isEqualTo(200);
        }
    }
}
