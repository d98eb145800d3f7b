package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.audit.AuditEvent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Apps record their own PHI-access events in the tenant's chain (issue 11, item 5). */
class AppEventsHttpTest {
    static TestWard w;
    static String auditKey;
    static String userId;

    @BeforeAll
    static void start() {
        w = new TestWard();
        w.createTenant("stmarys");
        userId = w.createUser("stmarys", "drhouse", "Vicodin-And-Canes-1!", "staff");
        auditKey = w.createApiKey("stmarys", "audit");
    }

    @AfterAll
    static void stop() { w.close(); }

    private static TestWard.Response post(Object body, String key) {
        return w.post("/v1/audit/events", TestWard.json(body), key);
    }

    @Test
    void anAppsPatientReadJoinsTheTenantsChain() {
        var first = post(Map.of("type", "app.patient.read", "user_id", userId, "patient_id", "pat-4711",
                "details", Map.of("resource", "Observation/77", "count", 3)), auditKey);
        assertThat(first.status()).as(first.raw()).isEqualTo(201);
        var second = post(Map.of("type", "app.report.printed", "details", Map.of("report", "discharge")), auditKey);
        assertThat(second.json().path("seq").asLong()).isEqualTo(first.json().path("seq").asLong() + 1);

        AuditEvent read = w.ward.audit().recent("stmarys", "app.patient.read", 1).getFirst();
        assertThat(read.seq()).isEqualTo(first.json().path("seq").asLong());
        assertThat(read.patientId()).isEqualTo("pat-4711");
        assertThat(read.userId()).isEqualTo(userId);
        assertThat(read.actor()).startsWith("api_key:key_");
        assertThat(read.details()).containsEntry("action", "R").containsEntry("resource", "Observation/77").containsEntry("count", 3);
        AuditEvent printed = w.ward.audit().recent("stmarys", "app.report.printed", 1).getFirst();
        assertThat(printed.prevHash()).as("one chain").isEqualTo(read.hash());
    }

    @ParameterizedTest
    @ValueSource(strings = {"session.created", "login.succeeded", "app", "app.", "App.patient.read", "app.patient.read.x.y.z",
            "app.patient read", "apps.thing", "app.9lives"})
    void onlyAppTypesMayBeRecorded(String type) {
        var r = post(Map.of("type", type, "patient_id", "p1"), auditKey);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.text("field")).isEqualTo("type");
    }

    @Test
    void patientAccessNeedsThePatient() {
        var r = post(Map.of("type", "app.patient.update"), auditKey);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.text("field")).isEqualTo("patient_id");
        assertThat(post(Map.of("type", "app.patient.update", "patient_id", "bad id with spaces"), auditKey).text("field"))
                .isEqualTo("patient_id");
    }

    @Test
    void detailsAreSmallAndHaveOneSpelling() {
        assertThat(post(Map.of("type", "app.x", "details", Map.of("ratio", 0.5)), auditKey).text("field")).isEqualTo("details");
        assertThat(post(Map.of("type", "app.x", "details", Map.of("blob", "x".repeat(5000))), auditKey).text("field"))
                .isEqualTo("details");
        assertThat(post(Map.of("type", "app.x", "details", List.of(1)), auditKey).text("field")).isEqualTo("details");
    }

    @Test
    void anUnknownUserIsRefused() {
        assertThat(post(Map.of("type", "app.x", "user_id", "usr_nobody"), auditKey).code()).isEqualTo("user_not_found");
    }

    @Test
    void onlyAKeyWithTheAuditScopeMayRecord() {
        String sessionsKey = w.createApiKey("stmarys", "sessions");
        var r = post(Map.of("type", "app.x"), sessionsKey);
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.code()).isEqualTo("insufficient_scope");
        assertThat(post(Map.of("type", "app.x"), w.adminToken()).status()).as("a session is not an app").isEqualTo(401);
        assertThat(w.send("POST", "/v1/audit/events", "{\"broken\":", "Authorization", "Bearer " + sessionsKey).status())
                .as("scope before the body").isEqualTo(403);
    }
}
