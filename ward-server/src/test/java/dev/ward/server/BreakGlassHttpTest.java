package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Restricted patients and break-glass over HTTP (issue 12 item 6, API.md "Restricted patients and break-glass"). */
class BreakGlassHttpTest {
    static final String PASSWORD = "Break-Glass-Pass-9!";
    static TestWard w;
    static String emr;
    static String carerId;

    @BeforeAll
    static void start() {
        w = new TestWard();
        w.createTenant("stmarys", Map.of("mfa", Map.of("required_roles", List.of())));
        carerId = w.createUser("stmarys", "carer", PASSWORD, "staff");
        w.createUser("stmarys", "locum", PASSWORD, "staff");
        w.createUser("stmarys", "chief", PASSWORD, "admin");
        emr = w.createApiKey("stmarys", "patients");
    }

    @AfterAll
    static void stop() { w.close(); }

    @Test
    void aLocumBreaksTheGlassForAVipAndTheChiefReviewsWhatWasRead() {
        var set = w.put("/v1/patients/vip-1/access", TestWard.json(Map.of("restricted", true, "care_team", List.of(carerId))), emr);
        assertThat(set.status()).as(set.raw()).isEqualTo(200);
        assertThat(w.get("/v1/patients/vip-1/access", emr).json().path("care_team")).singleElement()
                .satisfies(n -> assertThat(n.asText()).isEqualTo(carerId));
        assertThat(w.get("/v1/patients/nobody/access", emr).json().path("restricted").asBoolean()).isFalse();

        String carer = w.login("stmarys", "carer", PASSWORD);
        assertThat(w.post("/v1/session/patients/vip-1", null, carer).json().path("break_glass").asBoolean()).isFalse();

        String locum = w.login("stmarys", "locum", PASSWORD);
        var refused = w.post("/v1/session/patients/vip-1", null, locum);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.code()).isEqualTo("break_glass_required");
        var tooShort = w.post("/v1/session/patients/vip-1", TestWard.json(Map.of("break_glass", true, "reason", "urgent")), locum);
        assertThat(tooShort.status()).isEqualTo(400);
        assertThat(tooShort.json().path("field").asText()).isEqualTo("reason");

        var broken = w.post("/v1/session/patients/vip-1", TestWard.json(Map.of("break_glass", true,
                "reason", "Unconscious patient in ED, need allergies", "reason_code", "ETREAT")), locum);
        assertThat(broken.status()).as(broken.raw()).isEqualTo(200);
        assertThat(broken.json().path("break_glass").asBoolean()).isTrue();
        assertThat(broken.text("expires_at")).isEqualTo(w.clock.instant().plusSeconds(900).toString());
        w.put("/v1/session/patients/vip-1/data/allergies", "[\"latex\"]", locum);
        assertThat(w.get("/v1/session/patients/vip-1/data/allergies", locum).status()).isEqualTo(200);

        String chief = w.login("stmarys", "chief", PASSWORD);
        var alerts = w.get("/v1/admin/alerts?status=open", chief);
        assertThat(alerts.json().path("alerts")).singleElement().satisfies(a -> {
            assertThat(a.path("type").asText()).isEqualTo("break_glass");
            assertThat(a.path("severity").asText()).isEqualTo("high");
            assertThat(a.path("subject").path("patient_id").asText()).isEqualTo("vip-1");
        });
        var queue = w.get("/v1/admin/break-glass?status=open", chief);
        assertThat(queue.json().path("break_glass")).singleElement().satisfies(b -> {
            assertThat(b.path("username").asText()).isEqualTo("locum");
            assertThat(b.path("reason_code").asText()).isEqualTo("ETREAT");
            assertThat(b.path("reads").asInt()).isEqualTo(1);
            assertThat(b.path("status").asText()).isEqualTo("open");
        });
        String id = queue.json().path("break_glass").get(0).path("id").asText();
        assertThat(w.post("/v1/admin/break-glass/" + id + "/review", TestWard.json(Map.of("justified", true, "note", "ok")), chief)
                .status()).isEqualTo(204);
        assertThat(w.post("/v1/admin/break-glass/" + id + "/review", TestWard.json(Map.of("justified", true)), chief).code())
                .isEqualTo("break_glass_reviewed");
        assertThat(w.get("/v1/admin/break-glass?status=reviewed", chief).json().path("break_glass").get(0).path("justified")
                .asBoolean()).isTrue();
        assertThat(w.post("/v1/admin/break-glass/" + id + "/review", TestWard.json(Map.of("justified", true)), locum).status())
                .as("not an administrator").isEqualTo(403);
        assertThat(w.get("/v1/admin/break-glass", locum).status()).isEqualTo(403);

        assertThat(w.delete("/v1/patients/vip-1/access", emr).status()).isEqualTo(204);
        assertThat(w.delete("/v1/patients/vip-1/access", emr).code()).isEqualTo("patient_not_restricted");
        assertThat(w.put("/v1/patients/vip-1/access", TestWard.json(Map.of("restricted", true)), w.createApiKey("stmarys", "sessions"))
                .code()).isEqualTo("insufficient_scope");
        assertThat(w.put("/v1/patients/vip-1/access", TestWard.json(Map.of("restricted", true)), chief).status())
                .as("a session is not an app's key").isEqualTo(401);
    }
}
