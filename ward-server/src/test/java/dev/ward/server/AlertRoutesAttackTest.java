package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The alert routes under attack: one tenant's administrator reaching another tenant's alerts by id, malformed ids and
 * parameters (problem JSON, never a 500), acknowledgement audited once.
 */
class AlertRoutesAttackTest {
    static final String PASSWORD = "Alert-Routes-Pass-9!";
    static TestWard w;
    static String clinicAlert;
    static String otherAlert;

    @BeforeAll
    static void start() {
        w = new TestWard();
        w.createTenant("clinic");
        w.createTenant("other");
        w.createUser("clinic", "chief", PASSWORD, "admin");
        w.createUser("other", "boss", PASSWORD, "admin");
        clinicAlert = w.ward.core().alerts().raise("clinic", "test_scope", "high", Map.of("user_id", "usr_c"), Map.of()).id();
        otherAlert = w.ward.core().alerts().raise("other", "test_scope", "high", Map.of("user_id", "usr_o"), Map.of()).id();
    }

    @AfterAll
    static void stop() { w.close(); }

    @Test
    void aTenantAdministratorCannotSeeListOrAcknowledgeAnotherTenantsAlert() {
        String boss = w.login("other", "boss", PASSWORD);
        for (var r : List.of(w.post("/v1/admin/alerts/" + clinicAlert + "/ack", null, boss),
                w.get("/v1/admin/alerts/" + clinicAlert + "/deliveries", boss))) {
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.code()).as("the same answer as for an id that does not exist").isEqualTo("alert_not_found");
        }
        var listed = w.get("/v1/admin/alerts?tenant=clinic", boss);
        assertThat(listed.status()).isEqualTo(403);
        JsonNode own = w.get("/v1/admin/alerts", boss).json().path("alerts");
        assertThat(own).extracting(a -> a.path("id").asText()).contains(otherAlert).doesNotContain(clinicAlert);

        String key = w.createApiKey("other", "admin");
        assertThat(w.post("/v1/admin/alerts/" + clinicAlert + "/ack", null, key).code()).isEqualTo("alert_not_found");
        assertThat(w.get("/v1/admin/alerts?status=open", w.adminToken()).json().path("alerts"))
                .filteredOn(a -> a.path("id").asText().equals(clinicAlert)).as("still open").hasSize(1);
    }

    @Test
    void acknowledgingIsAuditedOnceAndASecondTimeIsAConflict() {
        String alert = w.ward.core().alerts().raise("clinic", "test_ack", "medium", Map.of("user_id", "usr_a"), Map.of()).id();
        String chief = w.login("clinic", "chief", PASSWORD);
        assertThat(w.post("/v1/admin/alerts/" + alert + "/ack", null, chief).status()).isEqualTo(204);
        var again = w.post("/v1/admin/alerts/" + alert + "/ack", null, chief);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.code()).isEqualTo("alert_not_open");
        JsonNode events = w.get("/v1/admin/audit?tenant=clinic&type=alert.acknowledged", w.adminToken()).json().path("events");
        assertThat(events).filteredOn(e -> e.path("details").path("alert_id").asText().equals(alert)).hasSize(1);
        assertThat(w.get("/v1/admin/alerts?tenant=clinic&status=acknowledged", chief).json().path("alerts"))
                .extracting(a -> a.path("id").asText()).contains(alert);
    }

    @Test
    void malformedIdsAndParametersAreProblemsNeverServerErrors() {
        String admin = w.adminToken();
        for (String id : List.of("x", "alr_" + "a".repeat(5000), "%00", "alr_%27%20OR%201%3D1--", "..%2F..%2Fetc", "%F0%9F%92%A9",
                "%C0%AF", "alr_\u00e9")) {
            for (var r : List.of(w.post("/v1/admin/alerts/" + id + "/ack", null, admin),
                    w.get("/v1/admin/alerts/" + id + "/deliveries", admin))) {
                assertThat(r.status()).as(id).isIn(400, 404);
                assertThat(r.header("Content-Type")).as(id).startsWith("application/problem+json");
            }
        }
        for (String query : List.of("status=closed", "status=", "limit=0", "limit=abc", "limit=99999999999", "tenant=%00",
                "tenant=" + "t".repeat(3000), "status=open&status=acknowledged")) {
            var r = w.get("/v1/admin/alerts?" + query, admin);
            assertThat(r.status()).as(query).isBetween(200, 499);
            if (r.status() != 200) {
                assertThat(r.header("Content-Type")).as(query).startsWith("application/problem+json");
            }
        }
        var withBody = w.send("POST", "/v1/admin/alerts/" + clinicAlert + "/ack", "{not json", "Authorization", "Bearer " + admin,
                "Content-Type", "application/json");
        assertThat(withBody.status()).as("a body is ignored, not parsed").isIn(204, 400, 409);
        assertThat(w.get("/v1/admin/alerts", null).status()).isEqualTo(401);
    }
}
