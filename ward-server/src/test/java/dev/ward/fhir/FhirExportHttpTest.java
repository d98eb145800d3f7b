package dev.ward.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import dev.ward.server.TestWard;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.Test;

/**
 * GET /v1/admin/audit/export?format=fhir (issue 11, item 6): the trail a real server wrote (logins, a failed one,
 * administration, sessions, app PHI access) comes out as one R4 Bundle whose every AuditEvent, and the Bundle itself,
 * passes ward-fhir's R4 validation with no error.
 */
class FhirExportHttpTest {
    @Test
    void theExportedBundleAndEveryAuditEventInItValidate() {
        try (TestWard w = new TestWard()) {
            w.createTenant("stmarys");
            String user = w.createUser("stmarys", "drhouse", "Vicodin-And-Canes-1!", "staff");
            String key = w.createApiKey("stmarys", "audit");
            String token = w.login("stmarys", "drhouse", "Vicodin-And-Canes-1!");
            w.post("/v1/auth/login", TestWard.json(Map.of("tenant", "stmarys", "username", "drhouse", "password", "wrong")), null);
            for (String type : List.of("app.patient.read", "app.patient.create", "app.patient.update", "app.patient.delete")) {
                assertThat(w.post("/v1/audit/events", TestWard.json(Map.of("type", type, "user_id", user, "patient_id", "pat-1")), key)
                        .status()).isEqualTo(201);
            }
            w.post("/v1/auth/logout", null, token);

            var r = w.get("/v1/admin/audit/export?tenant=stmarys&format=fhir", w.adminToken());
            assertThat(r.status()).as(r.raw()).isEqualTo(200);
            assertThat(r.header("Content-Type")).startsWith("application/fhir+json");
            assertThat(r.header("Content-Disposition")).isEqualTo("attachment; filename=\"ward-audit-stmarys.fhir.json\"");

            Bundle bundle = FhirContext.forR4().newJsonParser().parseResource(Bundle.class, r.raw());
            long chain = w.get("/v1/admin/audit?tenant=stmarys&limit=1", w.adminToken()).json().path("events").get(0).path("seq").asLong();
            assertThat(bundle.getEntry()).hasSize((int) chain);
            R4Validator validator = new R4Validator();
            assertThat(R4Validator.errors(validator.validate(bundle))).as("the bundle").isEmpty();
            Set<String> types = new HashSet<>();
            for (var entry : bundle.getEntry()) {
                AuditEvent e = (AuditEvent) entry.getResource();
                types.add(e.getType().getCode());
                assertThat(R4Validator.errors(validator.validate(e))).as(entry.getFullUrl()).isEmpty();
            }
            assertThat(types).as("logins, patient records and more were exported").contains("110114", "110110");
        }
    }
}
