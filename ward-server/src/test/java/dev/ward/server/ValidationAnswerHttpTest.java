package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The validation answer as it goes over the wire since it is written straight into the response (issue 13): the
 * fields of API.md in their order, a whole body with its length, and the headers the after-handlers add (CORS)
 * still on it.
 */
class ValidationAnswerHttpTest {
    static final String PASSWORD = "Validation-Answer-Pass-9!";
    static final String ORIGIN = "https://emr.stmarys.example";
    static TestWard w;
    static String key;

    @BeforeAll
    static void start() {
        w = new TestWard();
        w.createTenant("stmarys", Map.of("mfa", Map.of("required_roles", List.of()),
                "session", Map.of("rotate_after_uses", 3, "binding", "warn"),
                "browser", Map.of("allowed_origins", List.of(ORIGIN))));
        w.createUser("stmarys", "nurse", PASSWORD, "staff", "pharmacy");
        key = w.createApiKey("stmarys", "sessions");
    }

    @AfterAll
    static void stop() { w.close(); }

    private static List<String> names(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static TestWard.Response validate(String token) {
        return w.send("POST", "/v1/sessions/validate", TestWard.json(Map.of("token", token,
                "client", Map.of("ip", "203.0.113.9", "user_agent", "Mozilla/5.0 \"ward\" \u00e9"))),
                "Authorization", "Bearer " + key, "Origin", ORIGIN);
    }

    @Test
    void theAnswerCarriesTheSessionWithItsPatientsAndTheRotatedToken() {
        String token = w.login("stmarys", "nurse", PASSWORD);
        assertThat(w.post("/v1/session/patients/p-7", "{\"reason\":\"ward round\"}", token).status()).isEqualTo(200);

        var first = validate(token);
        assertThat(first.status()).as(first.raw()).isEqualTo(200);
        assertThat(first.header("Content-Type")).startsWith("application/json");
        assertThat(first.header("Content-Length")).as("a whole body of known length").isEqualTo(
                String.valueOf(first.raw().getBytes(java.nio.charset.StandardCharsets.UTF_8).length));
        assertThat(first.header("Cache-Control")).isEqualTo("no-store");
        assertThat(first.header("Pragma")).isEqualTo("no-cache");
        assertThat(first.header("Access-Control-Allow-Origin")).as("the after-handlers' headers").isEqualTo(ORIGIN);
        assertThat(names(first.json())).containsExactly("valid", "session");
        JsonNode s = first.json().path("session");
        assertThat(names(s)).containsExactly("id", "tenant", "user", "aal", "created_at", "last_seen_at", "idle_expires_at",
                "absolute_expires_at", "uses", "client", "patients", "permissions");
        assertThat(s.path("tenant").asText()).isEqualTo("stmarys");
        assertThat(names(s.path("user"))).containsExactly("id", "username", "roles");
        assertThat(s.path("user").path("username").asText()).isEqualTo("nurse");
        assertThat(s.path("user").path("roles").size()).isEqualTo(2);
        assertThat(List.of(s.path("user").path("roles").get(0).asText(), s.path("user").path("roles").get(1).asText()))
                .containsExactlyInAnyOrder("staff", "pharmacy");
        assertThat(s.path("created_at").asText()).isEqualTo(w.clock.instant().toString());
        assertThat(s.path("client").path("ip").asText()).isEqualTo("203.0.113.9");
        assertThat(s.path("client").path("user_agent").asText()).isEqualTo("Mozilla/5.0 \"ward\" \u00e9");
        assertThat(s.path("patients")).singleElement().satisfies(p -> {
            assertThat(names(p)).containsExactly("patient_id", "opened_at", "expires_at");
            assertThat(p.path("patient_id").asText()).isEqualTo("p-7");
        });
        // Uses go on until the policy's rotate_after_uses: that answer carries the new token.
        TestWard.Response rotated = validate(token);
        for (int i = 0; i < 5 && !rotated.json().has("rotated_token"); i++) {
            rotated = validate(token);
        }
        assertThat(rotated.status()).as(rotated.raw()).isEqualTo(200);
        assertThat(names(rotated.json())).containsExactly("valid", "session", "rotated_token");
        String fresh = rotated.text("rotated_token");
        assertThat(fresh).startsWith("wst_");
        // The same session as its holder sees it (GET /v1/session is written by the same code).
        var own = w.get("/v1/session", fresh);
        assertThat(own.status()).as(own.raw()).isEqualTo(200);
        assertThat(names(own.json())).isEqualTo(names(s));
        assertThat(own.json().path("id")).isEqualTo(s.path("id"));
        assertThat(own.json().path("patients")).isEqualTo(s.path("patients"));
    }
}
