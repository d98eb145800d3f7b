package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.access.Actor;
import dev.ward.ratelimit.RequestLimits;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The request rate limits of C8 on an embedded server (issue 14 item 6, decision 0028): per session on the patient-data
 * routes, per API key, per client address; refusals are {@code 429 rate_limited} with {@code Retry-After}, counted in
 * memory and written nowhere. The test clock stands still unless a test moves it, so buckets refill only then.
 */
class RateLimitHttpTest {
    private static final String PW = "Correct-Horse-9-battery";
    private static TestWard w;

    @BeforeAll
    static void start() {
        w = new TestWard();
        // rotate_after_uses high: a flood of calls must not rotate the token (a rotation is an audited change of its own).
        w.createTenant("clinic", Map.of("mfa", Map.of("required_roles", List.of()),
                "session", Map.of("rotate_after_uses", 1_000_000),
                "rate_limit", Map.of("per_minute", 5, "per_api_key_per_minute", 3, "per_ip_per_minute", 1_000_000)));
        w.createUser("clinic", "nurse", PW, "staff");
    }

    @AfterAll
    static void stop() { w.close(); }

    private static TestWard.Response call(String method, String path, String body, String token) {
        return w.send(method, path, body, "Authorization", "Bearer " + token);
    }

    static void assertLimited(TestWard.Response r, long retryAfter) {
        assertThat(r.status()).as(r.raw()).isEqualTo(429);
        assertThat(r.code()).isEqualTo("rate_limited");
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.header("Retry-After")).isEqualTo(Long.toString(retryAfter));
        assertThat(r.json().path("retry_after").asLong()).isEqualTo(retryAfter);
    }

    private static long rows(String table) {
        return w.ward.core().db().call(h -> h.createQuery("SELECT COUNT(*) FROM " + table).mapTo(Long.class).one());
    }

    @Test
    void aSessionGetsPerMinuteCallsToPatientDataThenWaitsForTheBucketToRefill() {
        String token = w.login("clinic", "nurse", PW);
        String other = w.login("clinic", "nurse", PW);
        assertThat(call("POST", "/v1/session/patients/p-1", null, token).status()).isEqualTo(200);
        assertThat(call("PUT", "/v1/session/patients/p-1/data/notes", "{\"a\":1}", token).status()).isEqualTo(204);
        for (int i = 0; i < 3; i++) {
            assertThat(call("GET", "/v1/session/patients/p-1/data/notes", null, token).status()).as("call %d", i + 3).isEqualTo(200);
        }
        // The sixth call in the minute: 5 a minute is one token every 12 seconds.
        assertLimited(call("GET", "/v1/session/patients/p-1/data/notes", null, token), 12);
        assertLimited(call("GET", "/v1/session/patients", null, token), 12);
        assertLimited(call("POST", "/v1/session/patients/p-2", "{\"reason\":\"rounds\"}", token), 12);
        assertLimited(call("POST", "/v1/session/patients/p-3", TestWard.json(Map.of("break_glass", true,
                "reason", "Cardiac arrest in bay 4")), token), 12);
        assertLimited(call("DELETE", "/v1/session/patients/p-1/data/notes", null, token), 12);

        String app = w.createApiKey("clinic", "patients");
        assertLimited(w.send("GET", "/v1/session/patients", null, "Authorization", "Bearer " + app, "Ward-Session-Token", token), 12);
        assertThat(call("GET", "/v1/session/patients", null, other).status()).as("another session's own budget").isEqualTo(200);
        assertThat(call("GET", "/v1/session", null, token).status()).as("not a patient-data route").isEqualTo(200);

        w.clock.advance(Duration.ofSeconds(12));
        assertThat(call("GET", "/v1/session/patients/p-1/data/notes", null, token).status()).as("one token back").isEqualTo(200);
        assertLimited(call("GET", "/v1/session/patients/p-1/data/notes", null, token), 12);

        // What ends exposure is never refused: closing a context, clearing, the emergency cleanup.
        assertThat(call("DELETE", "/v1/session/patients/p-1", null, token).status()).isEqualTo(204);
        assertThat(call("POST", "/v1/session/patient-data/clear", null, token).status()).isEqualTo(200);
        assertThat(call("POST", "/v1/session/emergency-cleanup", null, token).status()).isEqualTo(200);
    }

    @Test
    void eachApiKeyHasItsOwnBudgetValidationIncluded() {
        String key = w.createApiKey("clinic", "sessions");
        String otherKey = w.createApiKey("clinic", "sessions");
        String token = w.login("clinic", "nurse", PW);
        String validate = TestWard.json(Map.of("token", token));
        for (int i = 0; i < 3; i++) {
            assertThat(call("POST", "/v1/sessions/validate", validate, key).status()).as("call %d", i + 1).isEqualTo(200);
        }
        // 3 a minute: a token every 20 seconds.
        assertLimited(call("POST", "/v1/sessions/validate", validate, key), 20);
        assertLimited(call("POST", "/v1/sessions/validate", TestWard.json(Map.of("token", "wst_garbage")), key), 20);
        assertThat(call("POST", "/v1/sessions/validate", validate, otherKey).status()).isEqualTo(200);

        w.clock.advance(Duration.ofSeconds(20));
        assertThat(call("POST", "/v1/sessions/validate", validate, key).status()).isEqualTo(200);
        assertLimited(call("POST", "/v1/sessions/validate", validate, key), 20);
    }

    @Test
    void aFloodOfRefusedCallsWritesNoRowsAndIsCounted() {
        String token = w.login("clinic", "nurse", PW);
        call("POST", "/v1/session/patients/flood", null, token);
        for (int i = 0; i < 4; i++) {
            call("GET", "/v1/session/patients", null, token);
        }
        long counted = w.ward.core().limits().counters().refusals("clinic", RequestLimits.Kind.SESSION);
        long audit = rows("audit_events");
        long attempts = rows("login_attempts");
        for (int i = 0; i < 200; i++) {
            assertThat(call("GET", "/v1/session/patients", null, token).status()).isEqualTo(429);
        }
        assertThat(rows("audit_events")).as("no audit event per refusal").isEqualTo(audit);
        assertThat(rows("login_attempts")).isEqualTo(attempts);
        assertThat(w.ward.core().limits().counters().refusals("clinic", RequestLimits.Kind.SESSION)).isEqualTo(counted + 200);
    }

    @Test
    void limitsMustBeWholePositiveNumbers() {
        for (Object bad : List.of(0, -1, "60", 2.5, Map.of("n", 1))) {
            for (String key : List.of("per_minute", "per_ip_per_minute", "per_api_key_per_minute")) {
                var r = w.patch("/v1/admin/tenants/clinic", TestWard.json(Map.of("policy", Map.of("rate_limit", Map.of(key, bad)))),
                        w.adminToken());
                assertThat(r.status()).as("%s = %s", key, bad).isEqualTo(400);
                assertThat(r.code()).isEqualTo("validation_failed");
                assertThat(r.text("field")).isEqualTo("policy.rate_limit." + key);
            }
        }
        var tenant = w.get("/v1/admin/tenants/clinic", w.adminToken());
        assertThat(tenant.json().path("policy").path("rate_limit").path("per_minute").asLong()).isEqualTo(5);
    }

    /**
     * Public routes and refused credentials count per address under {@code system}; an {@code X-Forwarded-For} from a
     * peer that is not a trusted proxy cannot move a caller into another bucket.
     */
    @Test
    void publicCallsAndRefusedCredentialsCountPerAddressAndForwardedForFromAnUntrustedPeerIsIgnored() {
        try (TestWard node = new TestWard()) {
            node.ward.core().tenants().updatePolicy(new Actor.Operator(), Actor.SYSTEM_TENANT,
                    Map.of("rate_limit", Map.of("per_ip_per_minute", 4)));
            assertThat(node.get("/openapi.json", null).status()).isEqualTo(200);
            assertThat(node.get("/ward.js", null).status()).isEqualTo(200);
            assertThat(node.get("/v1/session", "wst_" + "A".repeat(43)).code()).isIn("session_invalid", "unauthenticated");
            assertThat(node.get("/v1/no-such-route", "wst_whatever").status()).isEqualTo(404);
            assertLimited(node.send("GET", "/openapi.json", null, "X-Forwarded-For", "198.51.100.7"), 15);
            assertLimited(node.get("/v1/session", "wst_" + "B".repeat(43)), 15);
            assertLimited(node.get("/v1/admin/tenants", null), 15);
            assertThat(node.get("/health/live", null).status()).as("probes are never limited").isEqualTo(200);
            assertThat(node.ward.core().limits().counters().refusals(Actor.SYSTEM_TENANT, RequestLimits.Kind.IP)).isEqualTo(3);
        }
    }

    @Test
    void behindATrustedProxyEachForwardedClientHasItsOwnBucket() {
        try (TestWard node = TestWard.configured(c -> c.withTrustedProxies(List.of("127.0.0.1")))) {
            node.ward.core().tenants().updatePolicy(new Actor.Operator(), Actor.SYSTEM_TENANT,
                    Map.of("rate_limit", Map.of("per_ip_per_minute", 2)));
            for (int i = 0; i < 2; i++) {
                assertThat(node.send("GET", "/openapi.json", null, "X-Forwarded-For", "198.51.100.7").status()).isEqualTo(200);
            }
            assertLimited(node.send("GET", "/openapi.json", null, "X-Forwarded-For", "198.51.100.7"), 30);
            assertThat(node.send("GET", "/openapi.json", null, "X-Forwarded-For", "198.51.100.8").status()).isEqualTo(200);
            // The right-most untrusted hop is the client: a spoofed left-most entry does not change it.
            assertLimited(node.send("GET", "/openapi.json", null, "X-Forwarded-For", "203.0.113.1, 198.51.100.7"), 30);
        }
    }
}
