package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.SignedJWT;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** C3 through HTTP: rotation, limits, binding, self-service, admin, JWT, attributes, password change, sweeping. */
class SessionLifecycleHttpTest {
    static TestWard w;
    static final String PW = "Lifecycle-Pass-123!";
    static String key;

    @BeforeAll static void start() {
        w = new TestWard();
        w.createTenant("life");
        w.createTenant("elsewhere");
        key = w.createApiKey("life", "sessions");
    }

    @AfterAll static void stop() { w.close(); }

    static String user(String name) {
        return w.createUser("life", name, PW, "staff");
    }

    static String policy(String sessionJson) {
        var r = w.patch("/v1/admin/tenants/life", "{\"policy\":{\"session\":" + sessionJson + "}}", w.adminToken());
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r.raw();
    }

    static TestWard.Response validate(String token) {
        return w.post("/v1/sessions/validate", TestWard.json(Map.of("token", token)), key);
    }

    static TestWard.Response validate(String token, String ip, String ua) {
        return w.post("/v1/sessions/validate", TestWard.json(Map.of("token", token, "client", Map.of("ip", ip, "user_agent", ua))), key);
    }

    static void defaults() {
        policy("{\"rotate_after_uses\":100,\"rotate_after_seconds\":900,\"rotation_grace_seconds\":30,\"binding\":\"warn\","
                + "\"max_concurrent\":3,\"on_limit\":\"evict_oldest\"}");
    }

    @Test
    void rotationAfterUsesHandsOutANewTokenAndTheOldOneLivesOnlyThroughTheGrace() {
        user("rotor");
        policy("{\"rotate_after_uses\":2}");
        try {
            String token = w.login("life", "rotor", PW);
            assertThat(validate(token).json().has("rotated_token")).isFalse();
            var second = validate(token);
            String fresh = second.text("rotated_token");
            assertThat(second.json().path("session").path("uses").asLong()).isEqualTo(2);
            assertThat(fresh).matches("wst_[A-Za-z0-9_-]{62}").isNotEqualTo(token);
            assertThat(validate(fresh).status()).isEqualTo(200);
            w.clock.advance(Duration.ofSeconds(29));
            assertThat(validate(token).status()).as("old token inside the grace").isEqualTo(200);
            w.clock.advance(Duration.ofSeconds(2));
            var dead = validate(token);
            assertThat(dead.status()).isEqualTo(401);
            assertThat(dead.code()).isEqualTo("session_expired");
            assertThat(validate(fresh).status()).isEqualTo(200);
            assertThat(w.ward.audit().recent("life", "session.rotated", 50)).isNotEmpty();
        } finally {
            defaults();
        }
    }

    @Test
    void cookieCallersGetTheRotatedTokenAsANewCookieAndBearerCallersAsAHeader() {
        user("cookiejar");
        policy("{\"rotate_after_uses\":1}");
        try {
            String token = w.login("life", "cookiejar", PW);
            var first = w.send("GET", "/v1/session", null, "Cookie", "ward_session=" + token);
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.header("Set-Cookie")).startsWith("ward_session=wst_").contains("HttpOnly", "SameSite=Strict")
                    .doesNotContain(token);

            String bearer = w.login("life", "cookiejar", PW);
            var rotated = w.get("/v1/session", bearer);
            assertThat(rotated.header("Ward-Rotated-Token")).startsWith("wst_").isNotEqualTo(bearer);
            assertThat(rotated.header("Set-Cookie")).isNull();
        } finally {
            defaults();
        }
    }

    @Test
    void parallelRequestsThatBothTriggerRotationDoNotKillTheSession() throws Exception {
        user("racer");
        policy("{\"rotate_after_uses\":1}");
        try {
            String token = w.login("life", "racer", PW);
            List<TestWard.Response> answers = parallel(8, () -> validate(token));
            assertThat(answers).allSatisfy(r -> assertThat(r.status()).as(r.raw()).isEqualTo(200));
            List<String> rotated = answers.stream().map(r -> r.text("rotated_token")).filter(t -> t != null).toList();
            assertThat(rotated).hasSize(1);
            assertThat(validate(rotated.get(0)).status()).isEqualTo(200);
        } finally {
            defaults();
        }
    }

    @Test
    void eightParallelLoginsAgainstALimitOfTwoYieldExactlyTwoSessions() throws Exception {
        String id = user("popular");
        policy("{\"max_concurrent\":2,\"on_limit\":\"reject\"}");
        try {
            String body = TestWard.json(Map.of("tenant", "life", "username", "popular", "password", PW));
            List<TestWard.Response> answers = parallel(8, () -> w.send("POST", "/v1/auth/login", body));
            assertThat(answers.stream().filter(r -> r.status() == 200)).hasSize(2);
            assertThat(answers.stream().filter(r -> r.status() == 409)).hasSize(6)
                    .allSatisfy(r -> assertThat(r.code()).isEqualTo("session_limit_reached"));
            var live = w.get("/v1/admin/sessions?tenant=life&user_id=" + id, w.adminToken());
            assertThat(live.json().path("sessions")).hasSize(2);
        } finally {
            defaults();
        }
    }

    @Test
    void evictOldestRevokesTheOldestWithReasonEvicted() {
        user("evictee");
        policy("{\"max_concurrent\":2,\"on_limit\":\"evict_oldest\"}");
        try {
            String first = w.login("life", "evictee", PW);
            w.clock.advance(Duration.ofSeconds(1));
            String second = w.login("life", "evictee", PW);
            w.clock.advance(Duration.ofSeconds(1));
            String third = w.login("life", "evictee", PW);
            var gone = validate(first);
            assertThat(gone.code()).isEqualTo("session_revoked");
            assertThat(gone.text("reason")).isEqualTo("evicted");
            assertThat(validate(second).status()).isEqualTo(200);
            assertThat(validate(third).status()).isEqualTo(200);
        } finally {
            defaults();
        }
    }

    @Test
    void strictBindingEndsASessionUsedFromAnotherClient() {
        user("bound");
        policy("{\"binding\":\"strict\"}");
        try {
            String token = login("bound", "198.51.100.7", "Firefox");
            assertThat(validate(token, "198.51.100.7", "Firefox").status()).isEqualTo(200);
            assertThat(validate(token).status()).as("no client given: no binding check").isEqualTo(200);
            var r = validate(token, "203.0.113.66", "Firefox");
            assertThat(r.code()).isEqualTo("session_revoked");
            assertThat(r.text("reason")).isEqualTo("binding");
            assertThat(validate(token, "198.51.100.7", "Firefox").code()).isEqualTo("session_revoked");
            assertThat(w.ward.audit().recent("life", "session.binding_changed", 10)).isNotEmpty();
        } finally {
            defaults();
        }
    }

    @Test
    void warnBindingKeepsTheSessionAndRecordsTheNewClient() {
        user("roamer");
        String token = login("roamer", "198.51.100.8", "Safari");
        var r = validate(token, "203.0.113.9", "Safari");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("session").path("client").path("ip").asText()).isEqualTo("203.0.113.9");
    }

    static String login(String user, String ip, String ua) {
        var r = w.post("/v1/auth/login", TestWard.json(Map.of("tenant", "life", "username", user, "password", PW,
                "client", Map.of("ip", ip, "user_agent", ua))), key);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r.text("token");
    }

    @Test
    void usersListAndEndTheirOwnSessionsButNobodyElses() {
        user("multi");
        String a = w.login("life", "multi", PW);
        String b = w.login("life", "multi", PW);
        String c = w.login("life", "multi", PW);
        var mine = w.get("/v1/me/sessions", a);
        assertThat(mine.json().path("sessions")).hasSize(3);
        assertThat(mine.json().path("sessions").findValuesAsText("current")).containsExactlyInAnyOrder("true", "false", "false");
        String bId = w.get("/v1/session", b).text("id");
        assertThat(w.delete("/v1/me/sessions/" + bId, a).status()).isEqualTo(204);
        assertThat(validate(b).code()).isEqualTo("session_revoked");

        user("stranger");
        String s = w.login("life", "stranger", PW);
        String cId = w.get("/v1/session", c).text("id");
        var theft = w.delete("/v1/me/sessions/" + cId, s);
        assertThat(theft.status()).isEqualTo(404);
        assertThat(theft.code()).isEqualTo("session_not_found");
        assertThat(validate(c).status()).isEqualTo(200);

        var others = w.post("/v1/me/sessions/revoke-others", null, a);
        assertThat(others.json().path("revoked").asInt()).isEqualTo(1);
        assertThat(validate(c).code()).isEqualTo("session_revoked");
        assertThat(validate(a).status()).isEqualTo(200);
    }

    @Test
    void keepaliveSlidesTheIdleTimeout() {
        user("idler");
        String token = w.login("life", "idler", PW);
        w.clock.advance(Duration.ofMinutes(20));
        var r = w.post("/v1/session/keepalive", null, token);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text("idle_expires_at")).isEqualTo(w.clock.instant().plus(Duration.ofMinutes(30)).toString());
        // 20 minutes passed the 15-minute rotation schedule: the answer carries the token to use from now on.
        token = r.header("Ward-Rotated-Token");
        assertThat(token).startsWith("wst_");
        w.clock.advance(Duration.ofMinutes(20));
        assertThat(w.get("/v1/session", token).status()).isEqualTo(200);
        w.clock.advance(Duration.ofMinutes(31));
        assertThat(w.get("/v1/session", token).code()).isEqualTo("session_expired");
    }

    @Test
    void adminsListAndEndSessionsOnlyWithinTheirReach() {
        String id = user("watched");
        String token = w.login("life", "watched", PW);
        String sid = w.get("/v1/session", token).text("id");
        var list = w.get("/v1/admin/sessions?tenant=life&user_id=" + id, w.adminToken());
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.raw()).contains(sid).doesNotContain(token);

        w.createUser("elsewhere", "boss", PW, "admin");
        String otherAdmin = w.login("elsewhere", "boss", PW);
        assertThat(w.get("/v1/admin/sessions?tenant=life", otherAdmin).status()).isEqualTo(403);
        var foreign = w.delete("/v1/admin/sessions/" + sid, otherAdmin);
        assertThat(foreign.status()).as("another tenant's session looks like no session").isEqualTo(404);
        assertThat(foreign.raw()).isEqualTo(w.delete("/v1/admin/sessions/ses_000000000000000000000000", otherAdmin).raw());
        assertThat(w.ward.audit().recent("elsewhere", "security.cross_tenant_denied", 10)).isNotEmpty();
        assertThat(w.get("/v1/admin/sessions", otherAdmin).raw()).doesNotContain(sid);
        assertThat(w.get("/v1/admin/sessions?user_id=" + id, w.adminToken()).code()).isEqualTo("validation_failed");

        assertThat(w.delete("/v1/admin/sessions/" + sid, w.adminToken()).status()).isEqualTo(204);
        var ended = validate(token);
        assertThat(ended.code()).isEqualTo("session_revoked");
        assertThat(ended.text("reason")).isEqualTo("admin");
        assertThat(w.delete("/v1/admin/sessions/" + sid, w.adminToken()).status()).isEqualTo(404);
        assertThat(w.delete("/v1/admin/sessions/ses_nope", w.adminToken()).code()).isEqualTo("session_not_found");
    }

    @Test
    void sessionJwtVerifiesAgainstTheJwksAndCarriesTheClaims() throws Exception {
        String id = user("jwtuser");
        String token = w.login("life", "jwtuser", PW);
        var r = w.post("/v1/session/jwt", null, token);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text("token_type")).isEqualTo("Bearer");
        assertThat(r.json().path("expires_in").asInt()).isEqualTo(300);
        SignedJWT jwt = SignedJWT.parse(r.text("access_token"));
        var jwks = w.get("/.well-known/jwks.json", null);
        assertThat(jwks.header("Cache-Control")).contains("max-age");
        JWKSet set = JWKSet.parse(jwks.raw());
        assertThat(set.getKeys()).allSatisfy(k -> assertThat(k.isPrivate()).isFalse());
        OctetKeyPair pub = (OctetKeyPair) set.getKeyByKeyId(jwt.getHeader().getKeyID());
        assertThat(jwt.verify(new Ed25519Verifier(pub))).isTrue();
        assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("EdDSA");
        var claims = jwt.getJWTClaimsSet();
        assertThat(claims.getSubject()).isEqualTo(id);
        assertThat(claims.getStringClaim("sid")).isEqualTo(w.get("/v1/session", token).text("id"));
        assertThat(claims.getStringClaim("tenant")).isEqualTo("life");
        assertThat(claims.getStringListClaim("roles")).containsExactly("staff");
        assertThat(claims.getLongClaim("aal")).isEqualTo(1);
        assertThat(claims.getLongClaim("pv")).isEqualTo(w.get("/v1/admin/tenants/life", w.adminToken()).json().path("policy_version").asLong());
        assertThat(claims.getExpirationTime().getTime() - claims.getIssueTime().getTime()).isEqualTo(300_000);

        var rotated = w.post("/v1/admin/signing-keys/rotate", null, w.adminToken());
        assertThat(rotated.status()).isEqualTo(200);
        JWKSet after = JWKSet.parse(w.get("/.well-known/jwks.json", null).raw());
        assertThat(after.getKeyByKeyId(jwt.getHeader().getKeyID())).as("old key stays while its tokens live").isNotNull();
        assertThat(after.getKeyByKeyId(rotated.text("kid"))).isNotNull();
        SignedJWT next = SignedJWT.parse(w.post("/v1/session/jwt", null, token).text("access_token"));
        assertThat(next.getHeader().getKeyID()).isEqualTo(rotated.text("kid"));
        w.clock.advance(Duration.ofSeconds(361));
        JWKSet later = JWKSet.parse(w.get("/.well-known/jwks.json", null).raw());
        assertThat(later.getKeyByKeyId(jwt.getHeader().getKeyID())).isNull();
        assertThat(w.post("/v1/admin/signing-keys/rotate", null, w.login("life", "jwtuser", PW)).status()).isEqualTo(403);
    }

    @Test
    void attributesAreJsonPerSessionAndDieWithIt() {
        user("keeper");
        String token = w.login("life", "keeper", PW);
        String other = w.login("life", "keeper", PW);
        assertThat(w.put("/v1/session/attributes/cart", "{\"items\":[1,2,3],\"note\":\"é\"}", token).status()).isEqualTo(204);
        var got = w.get("/v1/session/attributes/cart", token);
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.json().path("items")).hasSize(3);
        assertThat(got.json().path("note").asText()).isEqualTo("é");
        assertThat(w.put("/v1/session/attributes/count", "42", token).status()).isEqualTo(204);
        assertThat(w.get("/v1/session/attributes/count", token).raw()).isEqualTo("42");
        assertThat(w.get("/v1/session/attributes/cart", other).code()).isEqualTo("attribute_not_found");
        assertThat(w.put("/v1/session/attributes/big", "\"" + "x".repeat(9000) + "\"", token).code()).isEqualTo("attribute_too_large");
        assertThat(w.put("/v1/session/attributes/bad", "{nope", token).code()).isEqualTo("validation_failed");
        assertThat(w.put("/v1/session/attributes/bad", "", token).code()).isEqualTo("validation_failed");
        assertThat(w.put("/v1/session/attributes/bad", "1 2", token).code()).isEqualTo("validation_failed");
        assertThat(w.put("/v1/session/attributes/bad%20key", "1", token).code()).isEqualTo("validation_failed");
        assertThat(w.delete("/v1/session/attributes/count", token).status()).isEqualTo(204);
        assertThat(w.delete("/v1/session/attributes/count", token).status()).isEqualTo(404);
        assertThat(w.get("/v1/session/attributes/cart", key).status()).as("API keys are not sessions").isEqualTo(401);
        w.post("/v1/auth/logout", null, token);
        String again = w.login("life", "keeper", PW);
        assertThat(w.get("/v1/session/attributes/cart", again).code()).isEqualTo("attribute_not_found");
    }

    @Test
    void changingThePasswordEndsEverySessionOfTheUser() {
        String id = user("rotatepw");
        String a = w.login("life", "rotatepw", PW);
        String b = w.login("life", "rotatepw", PW);
        var wrong = w.post("/v1/me/password", TestWard.json(Map.of("current_password", "nope", "new_password", "Another-Pass-456!")), a);
        assertThat(wrong.status()).isEqualTo(403);
        assertThat(wrong.code()).isEqualTo("current_password_incorrect");
        var weak = w.post("/v1/me/password", TestWard.json(Map.of("current_password", PW, "new_password", "short")), a);
        assertThat(weak.code()).isEqualTo("weak_password");
        var ok = w.send("POST", "/v1/me/password", TestWard.json(Map.of("current_password", PW, "new_password", "Another-Pass-456!")),
                "Cookie", "ward_session=" + a, "Origin", w.base());
        assertThat(ok.status()).isEqualTo(204);
        assertThat(ok.header("Set-Cookie")).contains("Max-Age=0");
        assertThat(validate(a).text("reason")).isEqualTo("password_change");
        assertThat(validate(b).text("reason")).isEqualTo("password_change");
        assertThat(w.login("life", "rotatepw", "Another-Pass-456!")).startsWith("wst_");

        String c = w.login("life", "rotatepw", "Another-Pass-456!");
        assertThat(w.post("/v1/admin/tenants/life/users/" + id + "/password", TestWard.json(Map.of("password", "Third-Pass-789!")),
                w.adminToken()).status()).isEqualTo(204);
        assertThat(validate(c).text("reason")).isEqualTo("password_change");
    }

    @Test
    void theSweeperRemovesEndedSessionsAndAuditsExpiry() {
        user("sleeper");
        String token = w.login("life", "sleeper", PW);
        String sid = w.get("/v1/session", token).text("id");
        w.clock.advance(Duration.ofHours(13));
        long removed = w.ward.sweepNow();
        assertThat(removed).isGreaterThanOrEqualTo(1);
        assertThat(w.ward.audit().recent("life", "session.expired", 500)).anyMatch(e -> sid.equals(e.sessionId()));
        assertThat(validate(token).code()).isEqualTo("session_invalid");
    }

    @Test
    void badTokensAre400Or401NeverA500() throws Exception {
        for (String bad : List.of("", " ", "wst_", "wst_" + "A".repeat(42), "wst_" + "A".repeat(44), "wst_" + "A".repeat(45), "wst_" + "A".repeat(47),
                "wst_" + "A".repeat(61), "wst_" + "A".repeat(62), "wst_" + "A".repeat(63), "wst_" + "_".repeat(46),
                "wst_" + "_".repeat(62), "wak_" + "A".repeat(43),
                "WST_" + "A".repeat(43), "x".repeat(5000), "wst_" + "é".repeat(43), "wst_" + "\u0000".repeat(43))) {
            var r = validate(bad);
            assertThat(r.status()).as("%s -> %s", bad.length() > 20 ? bad.substring(0, 20) : bad, r.raw()).isIn(400, 401);
        }
        assertThat(w.post("/v1/sessions/validate", "{\"token\":5}", key).code()).isEqualTo("validation_failed");
        assertThat(w.post("/v1/sessions/validate", "{}", key).code()).isEqualTo("validation_failed");
        assertThat(w.get("/v1/session", "wst_" + "A".repeat(4996)).status()).isEqualTo(401);
        for (byte[] header : List.of("Bearer wst_\u00e9\u00e8".getBytes(StandardCharsets.ISO_8859_1),
                "Bearer wst_\u00c3\u00a9xyz".getBytes(StandardCharsets.ISO_8859_1))) {
            assertThat(rawGetSessionStatus(header)).isIn(400, 401);
        }
    }

    /** Sends bytes the Java HTTP client refuses to send (non-ASCII header values) over a raw socket. */
    static int rawGetSessionStatus(byte[] authorization) throws Exception {
        try (Socket s = new Socket("127.0.0.1", w.ward.port())) {
            OutputStream out = s.getOutputStream();
            out.write("GET /v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: ".getBytes(StandardCharsets.US_ASCII));
            out.write(authorization);
            out.write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            return Integer.parseInt(status.substring(9, 12));
        }
    }

    static List<TestWard.Response> parallel(int n, java.util.concurrent.Callable<TestWard.Response> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch gate = new CountDownLatch(1);
            List<Future<TestWard.Response>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit(() -> {
                    gate.await();
                    return call.call();
                }));
            }
            gate.countDown();
            List<TestWard.Response> out = new ArrayList<>();
            for (Future<TestWard.Response> f : futures) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    static final ObjectMapper JSON = new ObjectMapper();
}
