package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics} (issue 16 item 1, API.md's names): counted as things happen (validations, logins, audit events,
 * alerts), read from the stores when scraped (live sessions and contexts, store health), the JVM's and Jetty's own;
 * labels only from bounded sets; behind {@code WARD_METRICS_TOKEN} when it is set.
 */
class MetricsHttpTest {
    static final String PASSWORD = "Metrics-Right-Pass-9!";
    static TestWard w;
    static String key;

    @BeforeAll
    static void start() {
        w = TestWard.configured(c -> c.withTrustedProxies(List.of("127.0.0.1")));
        w.createTenant("clinic", Map.of("mfa", Map.of("required_roles", List.of()), "detect", DetectorsHttpTest.DETECT));
        w.createUser("clinic", "nurse", PASSWORD, "staff");
        key = w.createApiKey("clinic", "sessions");
    }

    @AfterAll
    static void stop() { w.close(); }

    static String scrape() {
        var r = w.send("GET", "/metrics", null);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/plain; version=0.0.4");
        return r.raw();
    }

    /** The value of the sample {@code name{labels…}} (labels in any order), or NaN when there is none. */
    static double sample(String text, String name, String... labels) {
        for (String line : text.split("\n")) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            boolean all = true;
            for (String label : labels) {
                all &= line.contains(label);
            }
            if (all) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }

    @Test
    void loginsValidationsAndAuditEventsAreCountedAndLiveSessionsRead() {
        String before = scrape();
        double logins = sample(before, "ward_logins_total", "tenant=\"clinic\"", "outcome=\"succeeded\"");
        String token = w.login("clinic", "nurse", PASSWORD);
        assertThat(w.post("/v1/sessions/validate", TestWard.json(Map.of("token", token)), key).status()).isEqualTo(200);
        assertThat(w.post("/v1/sessions/validate", TestWard.json(Map.of("token", "wst_AAAB_" + "x".repeat(43))), key).status())
                .isEqualTo(401);
        w.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", "clinic", "username", "nurse", "password", "wrong-one")));

        String after = scrape();
        assertThat(sample(after, "ward_logins_total", "tenant=\"clinic\"", "outcome=\"succeeded\""))
                .isEqualTo((Double.isNaN(logins) ? 0 : logins) + 1);
        assertThat(sample(after, "ward_logins_total", "tenant=\"clinic\"", "outcome=\"failed\"")).isGreaterThanOrEqualTo(1);
        assertThat(sample(after, "ward_validations_total", "outcome=\"valid\"")).isGreaterThanOrEqualTo(1);
        assertThat(sample(after, "ward_validations_total", "outcome=\"session_invalid\"")).isGreaterThanOrEqualTo(1);
        assertThat(sample(after, "ward_validation_seconds_count")).isGreaterThanOrEqualTo(2);
        assertThat(after).contains("ward_validation_seconds_bucket{le=\"0.001\"}");
        assertThat(sample(after, "ward_audit_events_total", "tenant=\"clinic\"")).isGreaterThan(3);
        assertThat(sample(after, "ward_audit_append_seconds_count")).isGreaterThan(3);
        assertThat(sample(after, "ward_sessions_active", "tenant=\"clinic\"")).isGreaterThanOrEqualTo(1);
        assertThat(sample(after, "ward_patient_contexts_active", "tenant=\"clinic\"")).isZero();
        assertThat(sample(after, "ward_store_up", "store=\"database\"")).isEqualTo(1);
        assertThat(after).contains("jvm_memory_used_bytes").contains("process_uptime_seconds").contains("jetty_threads_current");

        assertThat(w.post("/v1/session/patients/p-1", "{}", token).status()).isEqualTo(200);
        assertThat(sample(scrape(), "ward_patient_contexts_active", "tenant=\"clinic\"")).isEqualTo(1);
    }

    @Test
    void alertsAreCountedByTypeAndSeverity() {
        for (int i = 0; i < 8; i++) {
            DetectorsHttpTest.wrongPassword(w, "clinic", "nurse", "198.51.100.20");
            w.clock.advance(Duration.ofSeconds(5));
        }
        w.ward.detectNow();
        assertThat(sample(scrape(), "ward_alerts_total", "tenant=\"clinic\"", "type=\"brute_force\"", "severity=\"high\""))
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void labelsNeverComeFromARequest() {
        w.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", "no-such-hospital", "username", "x", "password", "y")));
        w.post("/v1/sessions/validate", TestWard.json(Map.of("token", "wst_weird_<script>")), key);
        String text = scrape();
        assertThat(text).doesNotContain("no-such-hospital").doesNotContain("<script>");
    }

    @Test
    void aMetricsTokenKeepsOthersOut() {
        try (TestWard guarded = TestWard.configured(c -> c.withMetricsToken(Optional.of("metrics-token-0123456789")))) {
            assertThat(guarded.send("GET", "/metrics", null).status()).isEqualTo(401);
            var wrong = guarded.send("GET", "/metrics", null, "Authorization", "Bearer metrics-token-012345678");
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(wrong.code()).isEqualTo("unauthenticated");
            var right = guarded.send("GET", "/metrics", null, "Authorization", "Bearer metrics-token-0123456789");
            assertThat(right.status()).isEqualTo(200);
            assertThat(right.raw()).contains("ward_store_up").doesNotContain("metrics-token-0123456789");
        }
    }
}
