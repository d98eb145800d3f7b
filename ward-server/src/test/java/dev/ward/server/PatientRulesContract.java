package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
}
