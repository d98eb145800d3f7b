package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Patient contexts over HTTP (issue 12 items 1, 2 and 8): the contract of API.md "Patient contexts". */
class PatientContextsHttpTest {
    static final String PASSWORD = "Patient-Context-Pass-9!";
    static TestWard w;

    @BeforeAll
    static void start() {
        w = new TestWard();
        w.createTenant("stmarys", Map.of("mfa", Map.of("required_roles", List.of()),
                "session", Map.of("idle_timeout_seconds", 7200)));
        w.createUser("stmarys", "nurse", PASSWORD, "staff");
        w.createUser("stmarys", "doctor", PASSWORD, "staff");
    }

    @AfterAll
    static void stop() { w.close(); }

    private static void noCache(TestWard.Response r) {
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        assertThat(r.header("Pragma")).isEqualTo("no-cache");
        assertThat(r.header("Expires")).isEqualTo("0");
        assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(r.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(r.header("Referrer-Policy")).isEqualTo("no-referrer");
    }

    @Test
    void aClinicianOpensAPatientKeepsDataAndClosesIt() {
        String token = w.login("stmarys", "nurse", PASSWORD);
        var opened = w.post("/v1/session/patients/p-100", "{\"reason\":\"ward round\"}", token);
        assertThat(opened.status()).as(opened.raw()).isEqualTo(200);
        assertThat(opened.text("patient_id")).isEqualTo("p-100");
        assertThat(opened.json().path("break_glass").asBoolean()).isFalse();
        assertThat(opened.text("expires_at")).isEqualTo(w.clock.instant().plusSeconds(1800).toString());
        noCache(opened);

        var put = w.put("/v1/session/patients/p-100/data/chart", "{\"allergies\": [\"penicillin\"]}", token);
        assertThat(put.status()).as(put.raw()).isEqualTo(204);
        var read = w.get("/v1/session/patients/p-100/data/chart", token);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.raw()).isEqualTo("{\"allergies\":[\"penicillin\"]}");
        noCache(read);

        var list = w.get("/v1/session/patients", token);
        assertThat(list.json().path("patients")).singleElement().satisfies(p -> {
            assertThat(p.path("patient_id").asText()).isEqualTo("p-100");
            assertThat(p.path("accesses").asInt()).isEqualTo(3);
            assertThat(p.has("last_access_at")).isTrue();
        });
        assertThat(w.get("/v1/session", token).json().path("patients")).singleElement()
                .satisfies(p -> assertThat(p.path("patient_id").asText()).isEqualTo("p-100"));
        assertThat(w.post("/v1/session/patients/p-100", null, token).text("opened_at")).as("re-opening returns it")
                .isEqualTo(opened.text("opened_at"));

        assertThat(w.delete("/v1/session/patients/p-100/data/chart", token).status()).isEqualTo(204);
        var gone = w.get("/v1/session/patients/p-100/data/chart", token);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.code()).isEqualTo("patient_data_not_found");

        assertThat(w.delete("/v1/session/patients/p-100", token).status()).isEqualTo(204);
        var closed = w.get("/v1/session/patients/p-100/data/chart", token);
        assertThat(closed.status()).isEqualTo(404);
        assertThat(closed.code()).isEqualTo("patient_context_not_open");
        noCache(closed);
        assertThat(w.put("/v1/session/patients/p-100/data/chart", "{}", token).code()).isEqualTo("patient_context_not_open");
        assertThat(w.delete("/v1/session/patients/p-100", token).code()).isEqualTo("patient_context_not_open");
    }

    @Test
    void aContextTimesOutOnItsOwnWhileTheSessionLivesOn() {
        String token = w.login("stmarys", "nurse", PASSWORD);
        w.post("/v1/session/patients/p-200", null, token);
        w.put("/v1/session/patients/p-200/data/note", "\"seen\"", token);
        w.clock.advance(Duration.ofSeconds(1801));

        var r = w.get("/v1/session/patients/p-200/data/note", token);

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.code()).isEqualTo("patient_context_not_open");
        assertThat(w.get("/v1/session/patients", token).json().path("patients")).isEmpty();
        assertThat(w.get("/v1/session", token).status()).isEqualTo(200);
    }

    @Test
    void anotherSessionCannotReachTheContextOrItsData() {
        String nurse = w.login("stmarys", "nurse", PASSWORD);
        String doctor = w.login("stmarys", "doctor", PASSWORD);
        w.post("/v1/session/patients/p-300", null, nurse);
        w.put("/v1/session/patients/p-300/data/chart", "{\"x\":1}", nurse);

        assertThat(w.get("/v1/session/patients/p-300/data/chart", doctor).code()).isEqualTo("patient_context_not_open");
        assertThat(w.get("/v1/session/patients", doctor).json().path("patients")).isEmpty();
        assertThat(w.delete("/v1/session/patients/p-300", doctor).status()).isEqualTo(404);
        assertThat(w.get("/v1/session/patients/p-300/data/chart", nurse).status()).isEqualTo(200);
    }

    @Test
    void logoutClearsTheContexts() {
        String token = w.login("stmarys", "nurse", PASSWORD);
        String id = w.get("/v1/session", token).text("id");
        w.post("/v1/session/patients/p-400", null, token);

        assertThat(w.post("/v1/auth/logout", null, token).status()).isEqualTo(204);

        assertThat(w.ward.audit().recent("stmarys", "patient.cleared", 50)).anySatisfy(e -> {
            assertThat(e.sessionId()).isEqualTo(id);
            assertThat(e.details()).containsEntry("reason", "logout").containsEntry("count", 1);
        });
    }

    /** Issue 12 item 5: a server-rendered app opens a context when it renders a chart. */
    @Test
    void anAppBackEndActsOnItsUsersContextsWithItsApiKey() {
        String key = w.createApiKey("stmarys", "patients");
        String token = w.login("stmarys", "nurse", PASSWORD);
        var opened = w.send("POST", "/v1/session/patients/p-600", null, "Authorization", "Bearer " + key,
                "Ward-Session-Token", token);
        assertThat(opened.status()).as(opened.raw()).isEqualTo(200);
        assertThat(w.send("PUT", "/v1/session/patients/p-600/data/chart", "{\"a\":1}", "Authorization", "Bearer " + key,
                "Ward-Session-Token", token).status()).isEqualTo(204);
        assertThat(w.get("/v1/session/patients/p-600/data/chart", token).raw()).as("the user's own session sees it")
                .isEqualTo("{\"a\":1}");
        assertThat(w.send("POST", "/v1/session/patient-data/clear", null, "Authorization", "Bearer " + key,
                "Ward-Session-Token", token).json().path("cleared").asInt()).isEqualTo(1);

        var noToken = w.send("GET", "/v1/session/patients", null, "Authorization", "Bearer " + key);
        assertThat(noToken.status()).isEqualTo(401);
        String sessionsOnly = w.createApiKey("stmarys", "sessions");
        var scope = w.send("GET", "/v1/session/patients", null, "Authorization", "Bearer " + sessionsOnly, "Ward-Session-Token", token);
        assertThat(scope.status()).isEqualTo(403);
        assertThat(scope.code()).isEqualTo("insufficient_scope");
        w.createTenant("elsewhere");
        String foreign = w.createApiKey("elsewhere", "patients");
        var cross = w.send("GET", "/v1/session/patients", null, "Authorization", "Bearer " + foreign, "Ward-Session-Token", token);
        assertThat(cross.status()).isEqualTo(401);
        assertThat(cross.code()).isEqualTo("session_tenant_mismatch");
    }

    /** Issue 12 items 7 and 8: user-scope attributes outlive sessions; answers about patients are never cached. */
    @Test
    void userAttributesOutliveTheSessionAndStayTheUsersOwn() {
        String first = w.login("stmarys", "nurse", PASSWORD);
        assertThat(w.put("/v1/me/attributes/recent", "[\"p-1\",\"p-2\"]", first).status()).isEqualTo(204);
        w.post("/v1/auth/logout", null, first);
        String second = w.login("stmarys", "nurse", PASSWORD);
        var read = w.get("/v1/me/attributes/recent", second);
        assertThat(read.raw()).isEqualTo("[\"p-1\",\"p-2\"]");
        noCache(read);
        noCache(w.get("/v1/session", second));
        String doctor = w.login("stmarys", "doctor", PASSWORD);
        assertThat(w.get("/v1/me/attributes/recent", doctor).code()).isEqualTo("attribute_not_found");
        assertThat(w.delete("/v1/me/attributes/recent", doctor).status()).isEqualTo(404);
        assertThat(w.delete("/v1/me/attributes/recent", second).status()).isEqualTo(204);
        assertThat(w.get("/v1/me/attributes/recent", second).status()).isEqualTo(404);
    }

    @Test
    void badInputIsAValidationFailure() {
        String token = w.login("stmarys", "nurse", PASSWORD);
        assertThat(w.post("/v1/session/patients/has%20space", null, token).code()).isEqualTo("validation_failed");
        assertThat(w.post("/v1/session/patients/p-500", "{\"break_glass\":\"yes\"}", token).code()).isEqualTo("validation_failed");
        w.post("/v1/session/patients/p-500", null, token);
        assertThat(w.put("/v1/session/patients/p-500/data/k", "{not json", token).code()).isEqualTo("validation_failed");
    }
}
