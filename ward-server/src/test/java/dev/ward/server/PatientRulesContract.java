package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ward.audit.AuditEvent;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Patient contexts as the session object and the audit trail show them, on every node: validation lists the open
 * contexts, a break-glass access ends exactly once in the trail, and restricting a patient closes the contexts of those
 * outside its care team. Run embedded ({@link PatientRulesEmbeddedTest}, one node) and on PostgreSQL + Redis with two
 * nodes ({@link PatientRulesRedisTest}), where {@code a} and {@code b} are different servers on the same stores.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class PatientRulesContract {
    static final String PW = "Patient-Rules-Pass-9!";
    static final String T = "rules";
    TestWard a;
    TestWard b;
    String validator;
    String emr;
    String carerId;

    /** Starts the nodes ({@code a} and {@code b}; the same one where the mode has one). */
    abstract void startNodes();

    /** Stops what {@link #startNodes()} started. */
    abstract void stopNodes();

    @BeforeAll
    void start() {
        startNodes();
        a.createTenant(T, Map.of("mfa", Map.of("required_roles", List.of()),
                "session", Map.of("idle_timeout_seconds", 7200, "absolute_timeout_seconds", 28800),
                "patient", Map.of("idle_timeout_seconds", 600, "max_seconds", 3600, "break_glass_seconds", 300)));
        carerId = a.createUser(T, "carer", PW, "staff");
        a.createUser(T, "nurse", PW, "staff");
        a.createUser(T, "locum", PW, "staff");
        validator = a.createApiKey(T, "sessions");
        emr = a.createApiKey(T, "patients");
    }

    @AfterAll
    void stop() {
        stopNodes();
    }

    /** Moves every node's clock (they are separate clocks on separate servers). */
    void advance(Duration d) {
        a.clock.advance(d);
        if (b != a) {
            b.clock.advance(d);
        }
    }

    List<String> validatedPatients(TestWard node, String token) {
        TestWard.Response r = node.post("/v1/sessions/validate", TestWard.json(Map.of("token", token)), validator);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        for (JsonNode p : r.json().path("session").path("patients")) {
            assertThat(p.has("opened_at") && p.has("expires_at")).as(p.toString()).isTrue();
            ids.add(p.path("patient_id").asText());
        }
        return ids;
    }

    @Test
    void validateListsTheSessionsOpenContextsAndNoOthers() {
        String token = a.login(T, "nurse", PW);
        assertThat(validatedPatients(b, token)).isEmpty();
        for (String p : List.of("v-1", "v-2", "v-3")) {
            assertThat(a.post("/v1/session/patients/" + p, null, token).status()).isEqualTo(200);
        }
        assertThat(validatedPatients(b, token)).as("opened on a, seen by b").containsExactly("v-1", "v-2", "v-3");

        assertThat(a.delete("/v1/session/patients/v-2", token).status()).isEqualTo(204);
        advance(Duration.ofSeconds(400));
        assertThat(a.post("/v1/session/patients/v-1", null, token).status()).as("a use slides v-1").isEqualTo(200);
        advance(Duration.ofSeconds(300));

        TestWard.Response r = b.post("/v1/sessions/validate", TestWard.json(Map.of("token", token)), validator);
        assertThat(r.json().path("session").path("patients")).as("v-2 closed, v-3 idled out").singleElement().satisfies(p -> {
            assertThat(p.path("patient_id").asText()).isEqualTo("v-1");
            assertThat(p.path("expires_at").asText()).isEqualTo(a.clock.instant().plusSeconds(300).toString());
        });
        String other = a.login(T, "nurse", PW);
        assertThat(validatedPatients(b, other)).as("another session of the same user holds none").isEmpty();
    }

    List<AuditEvent> events(String type, String sessionId) {
        return a.ward.audit().recent(T, type, 500).stream().filter(e -> sessionId.equals(e.sessionId())).toList();
    }

    String breakGlass(TestWard node, String token, String patientId) {
        TestWard.Response r = node.post("/v1/session/patients/" + patientId, TestWard.json(Map.of("break_glass", true,
                "reason", "Unconscious patient in the emergency department", "reason_code", "ETREAT")), token);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        assertThat(r.json().path("break_glass").asBoolean()).isTrue();
        return r.text("opened_at");
    }

    void restrict(String patientId, List<String> careTeam) {
        TestWard.Response r = a.put("/v1/patients/" + patientId + "/access",
                TestWard.json(Map.of("restricted", true, "care_team", careTeam)), emr);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
    }

    @Test
    void aBreakOfTheGlassThatTimesOutEndsOnceInTheTrailWhateverSeesItFirst() {
        restrict("bg-1", List.of(carerId));
        String locum = a.login(T, "locum", PW);
        String sessionId = a.get("/v1/session", locum).text("id");
        Instant opened = Instant.parse(breakGlass(a, locum, "bg-1"));
        assertThat(a.put("/v1/session/patients/bg-1/data/allergies", "[\"latex\"]", locum).status()).isEqualTo(204);
        assertThat(events("patient.break_glass_ended", sessionId)).as("not ended while it lasts").isEmpty();
        a.ward.sweepPatientsNow();
        assertThat(events("patient.break_glass_ended", sessionId)).as("a sweep before the end ends nothing").isEmpty();

        advance(Duration.ofSeconds(301));
        // Everything that can see the end at once: a read on b, and the sweeps of both nodes, at the same time.
        var read = CompletableFuture.supplyAsync(() -> b.get("/v1/session/patients/bg-1/data/allergies", locum));
        var sweepA = CompletableFuture.supplyAsync(() -> a.ward.sweepPatientsNow());
        var sweepB = CompletableFuture.supplyAsync(() -> b.ward.sweepPatientsNow());
        assertThat(read.join().code()).isEqualTo("patient_context_not_open");
        sweepA.join();
        sweepB.join();
        a.ward.sweepPatientsNow();
        b.ward.sweepPatientsNow();

        assertThat(events("patient.break_glass_ended", sessionId)).singleElement().satisfies(e -> {
            assertThat(e.patientId()).isEqualTo("bg-1");
            assertThat(e.details()).containsEntry("ended_by", "expired")
                    .containsEntry("ended_at", opened.plusSeconds(300).toString()).containsEntry("reason_code", "ETREAT");
        });
        assertThat(events("patient.cleared", sessionId)).as("the context's own timeout, recorded once too")
                .filteredOn(e -> "bg-1".equals(e.patientId())).hasSize(1);
    }

    @Test
    void closingOrClearingABreakEndsIt() {
        restrict("bg-2", List.of(carerId));
        restrict("bg-3", List.of(carerId));
        String locum = a.login(T, "locum", PW);
        String sessionId = a.get("/v1/session", locum).text("id");
        breakGlass(a, locum, "bg-2");
        breakGlass(a, locum, "bg-3");

        assertThat(b.delete("/v1/session/patients/bg-2", locum).status()).isEqualTo(204);
        assertThat(b.post("/v1/session/patient-data/clear", null, locum).json().path("cleared").asInt()).isEqualTo(1);
        advance(Duration.ofSeconds(301));
        a.ward.sweepPatientsNow();
        b.ward.sweepPatientsNow();

        List<AuditEvent> ended = events("patient.break_glass_ended", sessionId);
        assertThat(ended).extracting(AuditEvent::patientId).containsExactlyInAnyOrder("bg-2", "bg-3");
        assertThat(ended).filteredOn(e -> e.patientId().equals("bg-2")).singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("ended_by", "closed"));
        assertThat(ended).filteredOn(e -> e.patientId().equals("bg-3")).singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("ended_by", "cleared"));
    }

    @Test
    void aBreakWhoseSessionEndedIsEndedByTheSweep() {
        restrict("bg-4", List.of(carerId));
        String locum = a.login(T, "locum", PW);
        String sessionId = a.get("/v1/session", locum).text("id");
        breakGlass(a, locum, "bg-4");
        assertThat(a.post("/v1/auth/logout", null, locum).status()).isEqualTo(204);

        b.ward.sweepPatientsNow();
        a.ward.sweepPatientsNow();

        assertThat(events("patient.break_glass_ended", sessionId)).singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("ended_by", "context_ended"));
    }

    @Test
    void restrictingAPatientClosesTheContextsOfThoseOutsideItsCareTeam() {
        String carer = a.login(T, "carer", PW);
        String nurse = a.login(T, "nurse", PW);
        String locum = a.login(T, "locum", PW);
        String nurseSession = a.get("/v1/session", nurse).text("id");
        for (String token : List.of(carer, nurse)) {
            assertThat(a.post("/v1/session/patients/r-1", null, token).status()).isEqualTo(200);
            assertThat(a.put("/v1/session/patients/r-1/data/chart", "{\"x\":1}", token).status()).isEqualTo(204);
        }
        restrict("bg-5", List.of(carerId));
        breakGlass(a, locum, "bg-5");
        assertThat(a.put("/v1/session/patients/bg-5/data/chart", "{\"y\":1}", locum).status()).isEqualTo(204);
        assertThat(a.post("/v1/session/patients/r-2", null, nurse).status()).isEqualTo(200);

        restrict("r-1", List.of(carerId));
        restrict("bg-5", List.of(carerId));

        assertThat(b.get("/v1/session/patients/r-1/data/chart", nurse).code()).as("closed").isEqualTo("patient_context_not_open");
        assertThat(validatedPatients(b, nurse)).containsExactly("r-2");
        assertThat(events("patient.closed", nurseSession)).singleElement().satisfies(e -> {
            assertThat(e.patientId()).isEqualTo("r-1");
            assertThat(e.details()).containsEntry("reason", "restricted");
        });
        assertThat(b.get("/v1/session/patients/r-1/data/chart", carer).status()).as("the care team keeps it").isEqualTo(200);
        assertThat(b.get("/v1/session/patients/bg-5/data/chart", locum).status()).as("break-glass keeps it").isEqualTo(200);
        assertThat(b.post("/v1/session/patients/r-1", null, nurse).code()).isEqualTo("break_glass_required");
    }

    @Test
    void aContextTheCloseMissedIsRefusedAtItsNextUseOnEveryNode() {
        String nurse = a.login(T, "nurse", PW);
        String nurseSession = a.get("/v1/session", nurse).text("id");
        assertThat(a.post("/v1/session/patients/r-3", null, nurse).status()).isEqualTo(200);
        assertThat(a.put("/v1/session/patients/r-3/data/chart", "{\"x\":1}", nurse).status()).isEqualTo(204);
        // The restriction written as a racing open would see it: in the store, without the close that follows it.
        new dev.ward.store.sql.SqlRestrictionStore(WardTestAccess.db(a.ward))
                .put(new dev.ward.patient.Restriction(T, "r-3", List.of(carerId), a.clock.instant(), "test"));

        var refused = b.get("/v1/session/patients/r-3/data/chart", nurse);
        assertThat(refused.status()).isEqualTo(404);
        assertThat(refused.code()).isEqualTo("patient_context_not_open");
        assertThat(refused.raw()).doesNotContain("\"x\"");
        assertThat(events("patient.closed", nurseSession)).singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("reason", "restricted"));
        assertThat(events("patient.data_read", nurseSession)).as("nothing was read").isEmpty();
        assertThat(a.put("/v1/session/patients/r-3/data/chart", "{\"x\":2}", nurse).code()).isEqualTo("patient_context_not_open");
    }
}
