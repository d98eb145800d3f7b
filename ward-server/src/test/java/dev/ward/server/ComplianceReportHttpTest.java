package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ward.access.Actor;
import dev.ward.crypto.Secrets;
import dev.ward.report.ComplianceReport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/admin/reports/compliance} (issue 16 item 2, C9): a row per HIPAA §164.312 control and ONC §170.315(d)
 * criterion, each verdict earned by evidence and turned by it — MFA not required of administrators, a break of the glass
 * awaiting review, a tampered chain, a period without a signed checkpoint, a stale signing key, a loose idle timeout for
 * part of the period — as JSON and RFC 4180 CSV, for a tenant's own administrators only, and recorded as a read of the trail.
 */
class ComplianceReportHttpTest {
    static final String PW = "Compliance-Pass-9!";
    static final String MASTER_KEY = Base64.getEncoder().encodeToString(Secrets.randomBytes(32));
    static final Instant T = Instant.parse("2026-11-22T10:00:00Z");
    static final List<String> REFERENCES = List.of("§164.312(a)(1)", "§164.312(a)(2)(i)", "§164.312(a)(2)(ii)",
            "§164.312(a)(2)(iii)", "§164.312(a)(2)(iv)", "§164.312(b)", "§164.312(c)(1)", "§164.312(d)", "§164.312(e)(1)",
            "§170.315(d)(2)", "§170.315(d)(3)", "§170.315(d)(5)", "§170.315(d)(10)");

    /** What a well-run clinic gives a test: its administrator's API key (scope admin), the EMR's key and a nurse. */
    record Clinic(String admin, String emr, String nurse, String nurseId, String chiefId) {}

    /**
     * A Ward with its master key from the environment, behind a trusted TLS proxy at https://ward.example, and a clinic
     * run as it should be: shipped MFA policy (and the system administrators', too), a nurse who opens a patient's chart,
     * an administrator who looked at the trail, and a checkpoint after it all.
     */
    static TestWard ward() {
        return TestWard.configured(c -> c.withMasterKey(Optional.of(MASTER_KEY)).withPublicUrl(Optional.of("https://ward.example"))
                .withTrustedProxies(List.of("10.0.0.0/8")));
    }

    static Clinic wellRun(TestWard w) {
        w.createTenant("clinic", Map.of());
        String nurseId = w.createUser("clinic", "nurse", PW, "staff");
        String chiefId = w.createUser("clinic", "chief", PW, "admin");
        String admin = w.createApiKey("clinic", "admin");
        String emr = w.createApiKey("clinic", "patients");
        // Ward's own administrators must use MFA too; the bootstrap administrator could then only enrol, so it made all above.
        w.ward.core().tenants().updatePolicy(new Actor.Operator(), Actor.SYSTEM_TENANT,
                Map.of("mfa", Map.of("required_roles", List.of("admin"))));
        String nurse = w.login("clinic", "nurse", PW);
        assertThat(w.post("/v1/session/patients/p-1", null, nurse).status()).isEqualTo(200);
        assertThat(w.put("/v1/session/patients/p-1/data/allergies", "[\"latex\"]", nurse).status()).isIn(200, 204);
        assertThat(w.get("/v1/session/patients/p-1/data/allergies", nurse).status()).isEqualTo(200);
        assertThat(w.get("/v1/admin/audit?tenant=clinic&limit=5", admin).status()).isEqualTo(200);
        checkpoint(w, admin);
        return new Clinic(admin, emr, nurse, nurseId, chiefId);
    }

    static void checkpoint(TestWard w, String admin) {
        var taken = w.post("/v1/admin/audit/checkpoints?tenant=clinic", null, admin);
        assertThat(taken.status()).as(taken.raw()).isEqualTo(201);
    }

    static JsonNode report(TestWard w, String token, Instant from, Instant to) {
        var r = w.get("/v1/admin/reports/compliance?tenant=clinic&from=" + from + "&to=" + to, token);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r.json();
    }

    static JsonNode row(JsonNode report, String reference) {
        for (JsonNode c : report.path("controls")) {
            if (c.path("reference").asText().equals(reference)) {
                return c;
            }
        }
        throw new AssertionError("no row " + reference);
    }

    static Map<String, String> verdicts(JsonNode report) {
        Map<String, String> out = new LinkedHashMap<>();
        report.path("controls").forEach(c -> out.put(c.path("reference").asText(), c.path("verdict").asText()));
        return out;
    }

    @Test
    void aWellRunClinicPassesEveryControlButTransmissionOnALaptop() {
        try (TestWard w = ward()) {
            Clinic c = wellRun(w);
            JsonNode r = report(w, c.admin(), T.minusSeconds(3600), T.plusSeconds(3600));

            assertThat(r.path("tenant").asText()).isEqualTo("clinic");
            assertThat(r.path("generated_at").asText()).isEqualTo(T.toString());
            assertThat(r.path("controls")).extracting(n -> n.path("reference").asText()).containsExactlyElementsOf(REFERENCES);
            assertThat(r.path("controls")).extracting(n -> n.path("framework").asText())
                    .containsOnly("HIPAA", "ONC").filteredOn("ONC"::equals).hasSize(4);
            for (JsonNode row : r.path("controls")) {
                String ref = row.path("reference").asText();
                assertThat(row.path("verdict").asText()).as(ref + ": " + row.path("reason").asText())
                        .isEqualTo(ref.equals("§164.312(e)(1)") ? "attention" : "pass");
                assertThat(row.path("reason").asText()).as(ref).isNotBlank();
                assertThat(row.path("ward_cannot_see").asText()).as(ref).isNotBlank();
            }
            assertThat(r.path("summary").path("pass").asInt()).isEqualTo(12);
            assertThat(row(r, "§164.312(e)(1)").path("reason").asText()).contains("embedded mode")
                    .doesNotContain("WARD_PUBLIC_URL").doesNotContain("Secure");
            assertThat(r.path("verification").path("ok").asBoolean()).isTrue();

            JsonNode logoff = row(r, "§164.312(a)(2)(iii)");
            assertThat(logoff.path("policy").path("session.idle_timeout_seconds").asLong()).isEqualTo(1800);
            assertThat(row(r, "§164.312(d)").path("policy").path("mfa.required_roles"))
                    .extracting(JsonNode::asText).containsExactly("admin", "provider");
            JsonNode coverage = row(r, "§164.312(d)").path("evidence").path("mfa_coverage_by_role");
            assertThat(coverage.path("admin").path("accounts").asInt()).isEqualTo(1);
            assertThat(coverage.path("admin").path("enrolled").asInt()).isZero();
            assertThat(coverage.path("admin").path("required").asBoolean()).isTrue();
            assertThat(coverage.path("staff").path("required").asBoolean()).isFalse();
            JsonNode actions = row(r, "§170.315(d)(10)").path("evidence").path("actions_in_period");
            assertThat(actions.path("opened").asInt()).isEqualTo(1);
            assertThat(actions.path("data_written").asInt()).isEqualTo(1);
            assertThat(actions.path("data_read").asInt()).isEqualTo(1);
            JsonNode checkpoints = row(r, "§170.315(d)(2)").path("evidence").path("checkpoints");
            assertThat(checkpoints.path("in_period").asInt()).isPositive();
            assertThat(checkpoints.path("period_end_covered").asBoolean()).isTrue();
            assertThat(row(r, "§164.312(a)(2)(iv)").path("evidence").path("tenant_key").path("primary_version").asInt()).isEqualTo(1);
            assertThat(row(r, "§170.315(d)(3)").path("evidence").path("searches_in_period").asInt())
                    .as("the administrator's search; not this report's own reading").isEqualTo(1);
        }
    }

    @Test
    void theMfaAndIdleTimeoutRowsSeeWhatThePolicyWasForPartOfThePeriod() {
        try (TestWard w = ward()) {
            Clinic c = wellRun(w);
            Instant from = T.minusSeconds(3600);
            Instant to = T.plusSeconds(3600);
            assertThat(w.patch("/v1/admin/tenants/clinic", TestWard.json(Map.of("policy", Map.of(
                    "mfa", Map.of("required_roles", List.of("provider")),
                    "session", Map.of("idle_timeout_seconds", 7200)))), c.admin()).status()).isEqualTo(200);
            JsonNode r = report(w, c.admin(), from, to);
            assertThat(row(r, "§164.312(d)").path("verdict").asText()).isEqualTo("attention");
            assertThat(row(r, "§164.312(d)").path("reason").asText())
                    .contains("Admins could sign in with a password alone during the period");
            assertThat(row(r, "§164.312(a)(2)(iii)").path("reason").asText()).contains("The session idle timeout was 2 hours");
            assertThat(row(r, "§170.315(d)(5)").path("verdict").asText()).isEqualTo("attention");

            w.clock.advance(Duration.ofMinutes(5));
            assertThat(w.patch("/v1/admin/tenants/clinic", TestWard.json(Map.of("policy", Map.of(
                    "mfa", Map.of("required_roles", List.of("admin", "provider")),
                    "session", Map.of("idle_timeout_seconds", 900)))), c.admin()).status()).isEqualTo(200);
            r = report(w, c.admin(), from, to);
            JsonNode logoff = row(r, "§164.312(a)(2)(iii)");
            assertThat(logoff.path("verdict").asText()).as("restored, but loose for part of the period").isEqualTo("attention");
            assertThat(logoff.path("reason").asText()).contains("was 2 hours for part of the period");
            assertThat(logoff.path("policy").path("session.idle_timeout_seconds").asLong()).isEqualTo(900);
            assertThat(logoff.path("policy_changes")).hasSize(2);
            assertThat(logoff.path("policy_changes").get(0).path("settings").path("session.idle_timeout_seconds")
                    .path("from").asLong()).isEqualTo(1800);
            assertThat(logoff.path("policy_changes").get(1).path("settings").path("session.idle_timeout_seconds")
                    .path("to").asLong()).isEqualTo(900);
            assertThat(r.path("policy_history")).hasSize(2);
            assertThat(row(r, "§164.312(d)").path("verdict").asText()).isEqualTo("attention");

            // The period that began after both changes: everything in force throughout was within bounds.
            w.clock.advance(Duration.ofMinutes(5));
            w.login("clinic", "nurse", PW);
            checkpoint(w, c.admin());
            JsonNode later = report(w, c.admin(), T.plusSeconds(420), T.plusSeconds(3600));
            assertThat(row(later, "§164.312(d)").path("verdict").asText()).as(row(later, "§164.312(d)").path("reason").asText())
                    .isEqualTo("pass");
            assertThat(row(later, "§164.312(a)(2)(iii)").path("verdict").asText()).isEqualTo("pass");
            assertThat(row(later, "§164.312(a)(2)(iii)").path("reason").asText()).contains("15 minutes without activity");
            assertThat(row(later, "§164.312(a)(2)(iii)").path("policy_changes")).isEmpty();

            // A webhook URL may carry a credential: the trail names the change, never the value.
            assertThat(w.patch("/v1/admin/tenants/clinic", TestWard.json(Map.of("policy", Map.of("alerts", Map.of(
                    "webhook_url", "https://siem.example.org/hook/T0KEN-IN-PATH", "webhook_secret", "0123456789abcdef0123")))),
                    c.admin()).status()).isEqualTo(200);
            var recorded = w.ward.audit().recent("clinic", "admin.tenant_policy_updated", 1).getFirst();
            assertThat(recorded.details().get("changed")).asList().contains("alerts.webhook_url");
            assertThat(recorded.details().get("settings")).isEqualTo(Map.of());
            assertThat(recorded.details().toString()).doesNotContain("T0KEN").doesNotContain("0123456789abcdef");
        }
    }

    @Test
    void aBreakOfTheGlassNeedsAttentionUntilSomeoneReviewsIt() {
        try (TestWard w = ward()) {
            Clinic c = wellRun(w);
            assertThat(w.put("/v1/patients/vip-1/access", TestWard.json(Map.of("restricted", true,
                    "care_team", List.of(c.chiefId()))), c.emr()).status()).isEqualTo(200);
            var broken = w.post("/v1/session/patients/vip-1", TestWard.json(Map.of("break_glass", true,
                    "reason", "Unconscious patient in ED, need allergies", "reason_code", "ETREAT")), c.nurse());
            assertThat(broken.status()).as(broken.raw()).isEqualTo(200);
            checkpoint(w, c.admin());

            JsonNode open = row(report(w, c.admin(), T.minusSeconds(3600), T.plusSeconds(3600)), "§164.312(a)(2)(ii)");
            assertThat(open.path("verdict").asText()).isEqualTo("attention");
            assertThat(open.path("reason").asText()).startsWith("1 break(s) of the glass await review, the oldest since");
            assertThat(open.path("evidence").path("breaks_of_the_period_awaiting_review").asInt()).isEqualTo(1);
            assertThat(open.path("evidence").path("reason_codes").path("ETREAT").asInt()).isEqualTo(1);

            String id = w.get("/v1/admin/break-glass?tenant=clinic&status=open", c.admin()).json().path("break_glass").get(0)
                    .path("id").asText();
            assertThat(w.post("/v1/admin/break-glass/" + id + "/review", TestWard.json(Map.of("justified", true, "note", "ED")),
                    c.admin()).status()).isEqualTo(204);
            checkpoint(w, c.admin());
            JsonNode reviewed = row(report(w, c.admin(), T.minusSeconds(3600), T.plusSeconds(3600)), "§164.312(a)(2)(ii)");
            assertThat(reviewed.path("verdict").asText()).as(reviewed.path("reason").asText()).isEqualTo("pass");
            assertThat(reviewed.path("reason").asText()).contains("1 justified, 0 not justified");
            assertThat(reviewed.path("evidence").path("awaiting_review_now").asInt()).isZero();
        }
    }

    @Test
    void anEditedEventTurnsEveryRowThatRestsOnTheTrailUntilItIsPutBack() {
        try (TestWard w = ward()) {
            Clinic c = wellRun(w);
            String ip = w.ward.core().db().call(h -> h.createQuery(
                    "SELECT ip FROM audit_events WHERE tenant_id = 'clinic' AND chain_seq = 2").mapTo(String.class).list()).getFirst();
            w.ward.core().db().run(h -> h.createUpdate(
                    "UPDATE audit_events SET ip = '198.51.100.9' WHERE tenant_id = 'clinic' AND chain_seq = 2").execute());
            JsonNode tampered = report(w, c.admin(), T.minusSeconds(3600), T.plusSeconds(3600));
            assertThat(tampered.path("verification").path("ok").asBoolean()).isFalse();
            assertThat(tampered.path("verification").path("first_bad_seq").asLong()).isEqualTo(2);
            assertThat(tampered.path("verification").path("reason").asText()).isEqualTo("hash_mismatch");
            for (String ref : List.of("§164.312(b)", "§164.312(c)(1)", "§170.315(d)(2)", "§170.315(d)(10)")) {
                assertThat(row(tampered, ref).path("verdict").asText()).as(ref).isEqualTo("attention");
                assertThat(row(tampered, ref).path("reason").asText()).as(ref)
                        .startsWith("The audit chain does not verify: The event at 2 does not hash to its stored hash");
            }

            w.ward.core().db().run(h -> h.createUpdate("UPDATE audit_events SET ip = :ip WHERE tenant_id = 'clinic' AND chain_seq = 2")
                    .bind("ip", ip).execute());
            checkpoint(w, c.admin());
            JsonNode restored = report(w, c.admin(), T.minusSeconds(3600), T.plusSeconds(3600));
            assertThat(restored.path("verification").path("ok").asBoolean()).isTrue();
            for (String ref : List.of("§164.312(b)", "§164.312(c)(1)", "§170.315(d)(10)")) {
                assertThat(row(restored, ref).path("verdict").asText()).as(ref + ": " + row(restored, ref).path("reason"))
                        .isEqualTo("pass");
            }
            JsonNode tamperResistance = row(restored, "§170.315(d)(2)");
            assertThat(tamperResistance.path("verdict").asText()).as("the broken chain was seen in the period").isEqualTo("attention");
            assertThat(tamperResistance.path("reason").asText()).startsWith("A verification of 2026-11-22 10:00 UTC found the chain "
                    + "broken, though it verifies now");
            assertThat(tamperResistance.path("evidence").path("verifications_in_period").path("last_ok").asBoolean()).isFalse();
        }
    }

    @Test
    void aPeriodWithoutASignedCheckpointNeedsAttention() {
        try (TestWard w = new TestWard()) {
            // Checkpoints at most a day apart: after the one taken now, none is due within the test.
            w.createTenant("clinic", Map.of("audit", Map.of("checkpoint_seconds", 86_400)));
            w.createUser("clinic", "nurse", PW, "staff");
            String admin = w.createApiKey("clinic", "admin");
            checkpoint(w, admin);
            w.clock.advance(Duration.ofMinutes(10));
            w.login("clinic", "nurse", PW);

            JsonNode none = row(report(w, admin, T.plusSeconds(300), T.plusSeconds(3600)), "§170.315(d)(2)");
            assertThat(none.path("verdict").asText()).isEqualTo("attention");
            assertThat(none.path("reason").asText()).startsWith("No signed checkpoint was taken during the period");
            assertThat(none.path("evidence").path("checkpoints").path("in_period").asInt()).isZero();
            assertThat(none.path("evidence").path("checkpoints").path("period_end_covered").asBoolean()).isFalse();

            checkpoint(w, admin);
            JsonNode covered = row(report(w, admin, T.plusSeconds(300), T.plusSeconds(3600)), "§170.315(d)(2)");
            assertThat(covered.path("verdict").asText()).as(covered.path("reason").asText()).isEqualTo("pass");
            assertThat(covered.path("evidence").path("checkpoints").path("in_period").asInt()).isEqualTo(1);
            assertThat(covered.path("evidence").path("checkpoints").path("longest_wait_seconds").asLong()).isZero();
        }
    }

    @Test
    void signingKeysOlderThanAYearNeedAttentionUntilRotated() {
        try (TestWard w = ward()) {
            Clinic c = wellRun(w);
            assertThat(w.post("/v1/session/jwt", null, c.nurse()).status()).isEqualTo(200);
            w.clock.advance(Duration.ofDays(400));
            w.login("clinic", "nurse", PW);
            checkpoint(w, c.admin());
            Instant now = w.clock.instant();

            JsonNode old = report(w, c.admin(), now.minusSeconds(3600), now.plusSeconds(3600));
            assertThat(row(old, "§164.312(d)").path("verdict").asText()).isEqualTo("attention");
            assertThat(row(old, "§164.312(d)").path("reason").asText()).contains("The key that signs session JWTs is 400 days old");
            assertThat(row(old, "§170.315(d)(2)").path("reason").asText()).contains("The key that signs checkpoints is 400 days old");

            w.ward.core().jwt().rotate(new Actor.Operator());
            w.ward.core().checkpointKeys().rotate(new Actor.Operator());
            checkpoint(w, c.admin());
            JsonNode rotated = report(w, c.admin(), now.minusSeconds(3600), now.plusSeconds(3600));
            assertThat(row(rotated, "§164.312(d)").path("verdict").asText()).as(row(rotated, "§164.312(d)").path("reason").asText())
                    .isEqualTo("pass");
            assertThat(row(rotated, "§164.312(d)").path("evidence").path("jwt_signing_key").path("age_seconds").asLong()).isZero();
            assertThat(row(rotated, "§170.315(d)(2)").path("verdict").asText()).as(row(rotated, "§170.315(d)(2)").path("reason").asText())
                    .isEqualTo("pass");
        }
    }

    @Test
    void theCsvIsRfc4180AndTheReportIsRecordedAsAReadOfTheTrail() {
        try (TestWard w = ward()) {
            Clinic c = wellRun(w);
            var csv = w.get("/v1/admin/reports/compliance?tenant=clinic&format=csv&from=" + T.minusSeconds(3600) + "&to="
                    + T.plusSeconds(3600), c.admin());
            assertThat(csv.status()).as(csv.raw()).isEqualTo(200);
            assertThat(csv.header("Content-Type")).startsWith("text/csv");
            assertThat(csv.header("Content-Disposition")).contains("ward-compliance-clinic.csv");
            List<List<String>> records = rfc4180(csv.raw());
            assertThat(records.getFirst()).containsExactlyElementsOf(ComplianceReport.CSV_COLUMNS);
            assertThat(records).hasSize(1 + REFERENCES.size());
            for (int i = 1; i < records.size(); i++) {
                List<String> rec = records.get(i);
                assertThat(rec).hasSize(ComplianceReport.CSV_COLUMNS.size());
                assertThat(rec.get(0)).isEqualTo("clinic");
                assertThat(rec.get(5)).isEqualTo(REFERENCES.get(i - 1));
                assertThat(rec.get(7)).isIn("pass", "attention");
            }
            List<String> logoff = records.get(1 + REFERENCES.indexOf("§164.312(a)(2)(iii)"));
            assertThat(logoff.get(9)).contains("session.idle_timeout_seconds=1800");
            assertThat(logoff.get(11)).contains("sessions_ended_idle=0");

            JsonNode exported = w.get("/v1/admin/audit?tenant=clinic&type=audit.exported", c.admin()).json().path("events");
            assertThat(exported).anySatisfy(e -> {
                assertThat(e.path("details").path("format").asText()).isEqualTo("compliance_report");
                assertThat(e.path("details").path("from").asText()).isEqualTo(T.minusSeconds(3600).toString());
                assertThat(e.path("actor").asText()).startsWith("api_key:");
            });
            JsonNode verified = w.get("/v1/admin/audit?tenant=clinic&type=audit.verified", c.admin()).json().path("events");
            assertThat(verified).hasSize(1);
            assertThat(verified.get(0).path("outcome").asText()).isEqualTo("success");
        }
    }

    @Test
    void anotherTenantsAdministratorIsRefusedAndBadInputIsAProblem() {
        try (TestWard w = new TestWard()) {
            w.createTenant("north");
            w.createTenant("clinic");
            w.createUser("north", "ann", PW, "admin");
            String ann = w.login("north", "ann", PW);
            var refused = w.get("/v1/admin/reports/compliance?tenant=clinic", ann);
            assertThat(refused.status()).isEqualTo(403);
            assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
            assertThat(w.ward.audit().recent("north", "security.cross_tenant_denied", 1)).isNotEmpty();
            assertThat(w.ward.audit().recent("clinic", "audit.exported", 1)).as("nothing of clinic was read").isEmpty();
            assertThat(w.get("/v1/admin/reports/compliance", ann).status()).as("their own tenant").isEqualTo(200);

            String admin = w.adminToken();
            assertThat(w.get("/v1/admin/reports/compliance?tenant=clinic&from=2026-11-12T00:00:00Z&to=2026-11-10T00:00:00Z", admin)
                    .text("field")).isEqualTo("to");
            assertThat(w.get("/v1/admin/reports/compliance?tenant=clinic&from=2020-01-01T00:00:00Z&to=2026-11-10T00:00:00Z", admin)
                    .text("field")).isEqualTo("from");
            var notATime = w.get("/v1/admin/reports/compliance?tenant=clinic&from=last-week", admin);
            assertThat(notATime.status()).isEqualTo(400);
            assertThat(notATime.code()).isEqualTo("validation_failed");
            assertThat(w.get("/v1/admin/reports/compliance?tenant=clinic&format=pdf", admin).text("field")).isEqualTo("format");
            assertThat(w.get("/v1/admin/reports/compliance?tenant=nowhere", admin).code()).isEqualTo("tenant_not_found");
            assertThat(w.get("/v1/admin/reports/compliance?tenant=clinic", null).status()).isEqualTo(401);
            assertThat(w.get("/v1/admin/reports/compliance?tenant=clinic", w.createApiKey("clinic", "sessions")).code())
                    .isEqualTo("insufficient_scope");
        }
    }

    @Test
    void theHtmlPageIsSelfContainedAndEscapesWhatAdministratorsTyped() {
        try (TestWard w = new TestWard()) {
            var made = w.post("/v1/admin/tenants", TestWard.json(Map.of("id", "clinic", "name", "<script>alert(1)</script> Clinic",
                    "policy", Map.of("mfa", Map.of("required_roles", List.of())))), w.adminToken());
            assertThat(made.status()).as(made.raw()).isEqualTo(201);
            var page = w.get("/v1/admin/reports/compliance?tenant=clinic&format=html&from=" + T.minusSeconds(3600) + "&to="
                    + T.plusSeconds(3600), w.adminToken());
            assertThat(page.status()).as(page.raw()).isEqualTo(200);
            assertThat(page.header("Content-Type")).startsWith("text/html");
            assertThat(page.header("Content-Security-Policy")).isEqualTo(dev.ward.report.ReportHtml.CONTENT_SECURITY_POLICY);
            assertThat(page.header("Content-Disposition")).startsWith("inline").contains("ward-compliance-clinic.html");
            assertThat(page.raw()).startsWith("<!DOCTYPE html>").doesNotContain("<script")
                    .contains("&lt;script&gt;alert(1)&lt;/script&gt; Clinic");
            for (String ref : REFERENCES) {
                assertThat(page.raw()).as(ref).contains("<h2>" + (ref.startsWith("§170") ? "ONC " : "HIPAA ") + ref);
            }
            assertThat(page.raw()).contains("<span class=\"badge attention\">attention</span>");
        }
    }

    @Test
    void theCommandWritesTheReportAndSaysTheVerdicts() throws Exception {
        try (TestWard w = new TestWard()) {
            w.clock.set(Instant.now()); // the command runs on the real clock
            w.createTenant("clinic");
            w.createUser("clinic", "nurse", PW, "staff");
            w.login("clinic", "nurse", PW);
            java.nio.file.Path out = w.dataDir.resolve("compliance.html");
            String today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
            String tomorrow = java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(1).toString();
            var run = dev.ward.server.cli.WardCli.run("report", "compliance", "--tenant", "clinic", "--from", today, "--to", tomorrow,
                    "--format", "html", "--output", out.toString(), "--data-dir", w.dataDir.toString());
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.err()).containsPattern("Compliance report of clinic: \\d+ pass, \\d+ attention; written to ");
            assertThat(java.nio.file.Files.readString(out)).startsWith("<!DOCTYPE html>").contains("§170.315(d)(10)");
            assertThat(w.ward.audit().recent("clinic", "audit.exported", 1)).singleElement().satisfies(e -> {
                assertThat(e.actor()).isEqualTo("operator");
                assertThat(e.details().get("format")).isEqualTo("compliance_report");
            });
            assertThat(w.ward.audit().recent("clinic", "audit.verified", 1)).singleElement()
                    .satisfies(e -> assertThat(e.outcome()).isEqualTo("success"));

            var json = dev.ward.server.cli.WardCli.run("report", "compliance", "--tenant", "clinic", "--from", today,
                    "--to", tomorrow, "--data-dir", w.dataDir.toString());
            assertThat(json.exit()).as(json.err()).isZero();
            // In this JVM the log shares standard output with the answer (the command alone logs to standard error).
            String answer = json.out().substring(json.out().indexOf("{\n"));
            assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(answer).path("controls")).hasSize(13);
            var bad = dev.ward.server.cli.WardCli.run("report", "compliance", "--tenant", "clinic", "--format", "pdf",
                    "--data-dir", w.dataDir.toString());
            assertThat(bad.exit()).isEqualTo(2);
            assertThat(bad.err()).contains("--format must be json, csv or html");
            var nowhere = dev.ward.server.cli.WardCli.run("report", "compliance", "--tenant", "nowhere",
                    "--data-dir", w.dataDir.toString());
            assertThat(nowhere.exit()).isEqualTo(2);
            assertThat(nowhere.err()).contains("No such tenant");
        }
    }

    /** Parses RFC 4180 text strictly: CRLF record ends, quoted fields with doubled quotes; anything else fails. */
    static List<List<String>> rfc4180(String text) {
        List<List<String>> records = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char ch = text.charAt(i);
            if (ch == '"' && field.isEmpty()) {
                i++;
                while (true) {
                    char q = text.charAt(i++);
                    if (q == '"') {
                        if (i < text.length() && text.charAt(i) == '"') {
                            field.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        field.append(q);
                    }
                }
                char next = text.charAt(i);
                assertThat(next).as("after a quoted field at " + i).isIn(',', '\r');
                continue;
            }
            if (ch == ',') {
                fields.add(field.toString());
                field.setLength(0);
                i++;
            } else if (ch == '\r') {
                assertThat(text.charAt(i + 1)).as("CR is followed by LF").isEqualTo('\n');
                fields.add(field.toString());
                field.setLength(0);
                records.add(fields);
                fields = new ArrayList<>();
                i += 2;
            } else {
                assertThat(ch).as("a bare quote or line feed at " + i).isNotIn('"', '\n');
                field.append(ch);
                i++;
            }
        }
        assertThat(fields).as("the last record ends with CRLF").isEmpty();
        return records;
    }
}
