package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ward.audit.AuditEvent;
import dev.ward.report.ReportHtml;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/admin/reports/patient-access} and {@code ward report patient-access} (issue 16 item 2; HIPAA accounting
 * of disclosures): every event naming the patient, oldest first, with who, from where, the session, why and the outcome;
 * JSON, CSV and HTML; recorded as an export with the patient as subject; one tenant's administrators only. Run on H2
 * ({@link PatientAccessReportHttpTest}, which adds the command and the GeoIP look-up) and on PostgreSQL.
 */
abstract class PatientAccessReportContract {
    static final String PASSWORD = "Accounting-Pass-9!";
    /** A break of the glass's reason as an attacker would write it: a formula, markup, and a right-to-left override. */
    static final String REASON = "=HYPERLINK(\"http://evil.example\",\"ok\") <script>alert(1)</script> \u202Egpj.exe";
    static final String PURPOSE = "+cmd|' /C calc'!A0";
    static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    static final Instant T1 = T0.plus(Duration.ofHours(1));
    static final Instant T2 = T0.plus(Duration.ofHours(2));
    static final String ALL = "/v1/admin/reports/patient-access?tenant=stmarys&patient_id=vip-1&to=" + T2;

    static TestWard w;
    static String carerId;
    static String locumId;
    static String chief;

    /** The scenario, on {@code ward}: a restricted patient opened by its carer, then broken into by a locum and reviewed. */
    static void seed(TestWard ward) {
        w = ward;
        w.clock.set(T0);
        w.createTenant("stmarys");
        w.createTenant("oakridge");
        carerId = w.createUser("stmarys", "carer", PASSWORD, "staff");
        locumId = w.createUser("stmarys", "locum", PASSWORD, "staff");
        w.createUser("stmarys", "chief", PASSWORD, "admin");
        w.createUser("oakridge", "oakboss", PASSWORD, "admin");
        String emr = w.createApiKey("stmarys", "patients");
        String audit = w.createApiKey("stmarys", "audit");

        ok(w.put("/v1/patients/vip-1/access", TestWard.json(Map.of("restricted", true, "care_team", List.of(carerId))), emr));
        String carer = w.login("stmarys", "carer", PASSWORD);
        ok(w.post("/v1/session/patients/vip-1", null, carer));
        ok(w.put("/v1/session/patients/vip-1/data/notes", "{\"text\":\"stable\"}", carer));
        ok(w.get("/v1/session/patients/vip-1/data/notes", carer));
        ok(w.delete("/v1/session/patients/vip-1", carer));
        ok(w.post("/v1/session/patients/other-1", null, carer)); // another patient: never in vip-1's report

        w.clock.set(T1);
        String locum = w.login("stmarys", "locum", PASSWORD);
        assertThat(w.post("/v1/session/patients/vip-1", null, locum).code()).isEqualTo("break_glass_required");
        ok(w.post("/v1/session/patients/vip-1", TestWard.json(Map.of("break_glass", true, "reason", REASON,
                "reason_code", "ETREAT")), locum));
        ok(w.put("/v1/session/patients/vip-1/data/allergies", "[\"latex\"]", locum));
        ok(w.get("/v1/session/patients/vip-1/data/allergies", locum));
        ok(w.delete("/v1/session/patients/vip-1", locum));
        chief = w.login("stmarys", "chief", PASSWORD);
        String id = w.get("/v1/admin/break-glass?status=open", chief).json().path("break_glass").get(0).path("id").asText();
        ok(w.post("/v1/admin/break-glass/" + id + "/review", TestWard.json(Map.of("justified", true, "note", "ED")), chief));
        ok(w.post("/v1/audit/events", TestWard.json(Map.of("type", "app.patient.read", "user_id", carerId, "patient_id", "vip-1",
                "details", Map.of("purpose", PURPOSE, "resource", "Observation/1"))), audit));

        // Reports are read after T2; the tests that want only the scenario ask for to=T2.
        w.clock.set(T2.plus(Duration.ofMinutes(5)));
        chief = w.login("stmarys", "chief", PASSWORD);
    }

    @AfterAll
    static void stop() throws Exception { w.close(); }

    static void ok(TestWard.Response r) {
        assertThat(r.status()).as(r.raw()).isBetween(200, 204);
    }

    static List<JsonNode> events(TestWard.Response r) {
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        List<JsonNode> out = new ArrayList<>();
        r.json().path("events").forEach(out::add);
        return out;
    }

    @Test
    void everyOpenReadWriteAndBreakOfTheGlassIsListedOldestFirst() {
        TestWard.Response r = w.get(ALL, chief);
        List<JsonNode> events = events(r);
        assertThat(events).extracting(e -> e.path("action").asText()).containsExactly("restrict", "open", "write", "read",
                "close", "access_denied", "open", "break_glass", "write", "read", "close", "break_glass_end",
                "break_glass_review", "read");
        assertThat(events).extracting(e -> e.path("seq").asLong()).isSorted();
        assertThat(events).allSatisfy(e -> assertThat(e.path("type").asText()).doesNotContain("other-1"));

        JsonNode opened = events.get(1);
        assertThat(opened.path("type").asText()).isEqualTo("patient.opened");
        assertThat(opened.path("user_id").asText()).isEqualTo(carerId);
        assertThat(opened.path("username").asText()).isEqualTo("carer");
        assertThat(opened.path("ip").asText()).isEqualTo("127.0.0.1");
        assertThat(opened.path("session_id").asText()).startsWith("ses_");
        assertThat(opened.path("at").asText()).isEqualTo(T0.toString());
        assertThat(opened.path("outcome").asText()).isEqualTo("success");
        assertThat(opened.path("purpose").isNull()).isTrue();

        JsonNode denied = events.get(5);
        assertThat(denied.path("outcome").asText()).isEqualTo("denied");
        assertThat(denied.path("username").asText()).isEqualTo("locum");

        JsonNode broke = events.get(7);
        assertThat(broke.path("purpose").asText()).isEqualTo(REASON);
        assertThat(broke.path("reason_code").asText()).isEqualTo("ETREAT");
        assertThat(broke.path("session_id").asText()).isEqualTo(events.get(6).path("session_id").asText());
        // The end and the review carry the reason of the break they close.
        for (JsonNode later : List.of(events.get(11), events.get(12))) {
            assertThat(later.path("purpose").asText()).isEqualTo(REASON);
            assertThat(later.path("reason_code").asText()).isEqualTo("ETREAT");
            assertThat(later.path("user_id").asText()).isEqualTo(locumId);
        }
        assertThat(events.get(11).path("details").path("ended_by").asText()).isEqualTo("closed");
        assertThat(events.get(12).path("actor").asText()).startsWith("user:");
        assertThat(events.get(12).path("details").path("justified").asBoolean()).isTrue();

        JsonNode app = events.get(13);
        assertThat(app.path("type").asText()).isEqualTo("app.patient.read");
        assertThat(app.path("purpose").asText()).isEqualTo(PURPOSE);
        assertThat(app.path("username").asText()).isEqualTo("carer");
        assertThat(app.path("actor").asText()).startsWith("api_key:");

        JsonNode summary = r.json().path("summary");
        assertThat(summary.path("events").asInt()).isEqualTo(14);
        assertThat(summary.path("by_action").path("read").asInt()).isEqualTo(3);
        assertThat(summary.path("distinct_users").asInt()).isEqualTo(2);
        assertThat(summary.path("distinct_sessions").asInt()).isEqualTo(2);
        assertThat(r.json().path("patient_id").asText()).isEqualTo("vip-1");
        assertThat(r.json().path("to").asText()).isEqualTo(T2.toString());
        assertThat(r.json().path("from").isNull()).isTrue();
    }

    @Test
    void theReportIsRecordedAsAnExportOfThePatientAndLaterReportsListIt() {
        int before = w.ward.audit().recent("stmarys", "audit.exported", 1000).size();
        TestWard.Response first = w.get("/v1/admin/reports/patient-access?tenant=stmarys&patient_id=vip-1", chief);
        List<JsonNode> rows = events(first);
        AuditEvent recorded = w.ward.audit().recent("stmarys", "audit.exported", 1).getFirst();
        assertThat(w.ward.audit().recent("stmarys", "audit.exported", 1000)).hasSize(before + 1);
        assertThat(recorded.patientId()).isEqualTo("vip-1");
        assertThat(recorded.details()).containsEntry("format", "patient_access_report");
        assertThat(recorded.actor()).startsWith("user:");
        assertThat(first.json().path("as_of_seq").asLong()).isEqualTo(recorded.seq());
        assertThat(rows).as("a report never lists its own reading")
                .allSatisfy(e -> assertThat(e.path("seq").asLong()).isLessThan(recorded.seq()));

        List<JsonNode> second = events(w.get("/v1/admin/reports/patient-access?tenant=stmarys&patient_id=vip-1", chief));
        assertThat(second).hasSize(rows.size() + 1);
        JsonNode last = second.getLast();
        assertThat(last.path("action").asText()).isEqualTo("accounting_read");
        assertThat(last.path("seq").asLong()).isEqualTo(recorded.seq());
        assertThat(last.path("username").isNull()).as("the reader is the actor, not a user the event is about").isTrue();
        assertThat(last.path("actor").asText()).isEqualTo(recorded.actor());
    }

    @Test
    void fromAndToCutThePeriod() {
        List<JsonNode> later = events(w.get(ALL + "&from=" + T1, chief));
        assertThat(later).extracting(e -> e.path("action").asText()).containsExactly("access_denied", "open", "break_glass",
                "write", "read", "close", "break_glass_end", "break_glass_review", "read");
        List<JsonNode> earlier = events(w.get("/v1/admin/reports/patient-access?tenant=stmarys&patient_id=vip-1&to=" + T1, chief));
        assertThat(earlier).extracting(e -> e.path("action").asText()).containsExactly("restrict", "open", "write", "read", "close");
    }

    @Test
    void aPatientTheTrailNeverNamesHasAnEmptyReport() {
        TestWard.Response r = w.get("/v1/admin/reports/patient-access?tenant=stmarys&patient_id=nobody-42", chief);
        assertThat(events(r)).isEmpty();
        assertThat(r.json().path("summary").path("events").asInt()).isZero();
        // Another patient: nobody-42 is named now, by the reading of its report.
        TestWard.Response page = w.get("/v1/admin/reports/patient-access?tenant=stmarys&patient_id=nobody-43&format=html", chief);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.raw()).contains("No event names this patient in this period.");
    }

    @Test
    void csvAndHtmlCarryTheSameRowsSafely() {
        TestWard.Response csv = w.get(ALL + "&format=csv", chief);
        assertThat(csv.status()).as(csv.raw()).isEqualTo(200);
        assertThat(csv.header("Content-Type")).startsWith("text/csv");
        assertThat(csv.header("Content-Disposition")).isEqualTo("attachment; filename=\"ward-patient-access-stmarys.csv\"");
        assertThat(csv.raw()).startsWith(String.join(",", dev.ward.report.PatientAccessReport.COLUMNS) + "\r\n");
        assertThat(csv.raw().split("\r\n", -1)).hasSize(1 + 14 + 1); // header, rows, and the empty rest after the last CRLF
        assertThat(csv.raw()).contains(",\"'=HYPERLINK(").contains(",'+cmd|' /C calc'!A0,");

        TestWard.Response html = w.get(ALL + "&format=html", chief);
        assertThat(html.status()).as(html.raw()).isEqualTo(200);
        assertThat(html.header("Content-Type")).startsWith("text/html").containsIgnoringCase("charset=utf-8");
        assertThat(html.header("Content-Security-Policy")).isEqualTo(ReportHtml.CONTENT_SECURITY_POLICY);
        assertThat(html.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(html.header("Cache-Control")).isEqualTo("no-store");
        assertThat(html.header("Content-Disposition")).isEqualTo("inline; filename=\"ward-patient-access-stmarys.html\"");
        assertThat(html.raw()).doesNotContain("<script>").contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                .contains("[U+202E]gpj.exe").contains("<td>carer\n" + carerId + "</td>");
        assertThat(html.raw().split("<tr><th scope=\"row\">", -1)).hasSize(1 + 14);
    }

    @Test
    void badInputIsAProblemWithTheFieldNamed() {
        String base = "/v1/admin/reports/patient-access?tenant=stmarys";
        assertThat(w.get(base, chief).text("field")).isEqualTo("patient_id");
        assertThat(w.get(base + "&patient_id=", chief).text("field")).isEqualTo("patient_id");
        assertThat(w.get(base + "&patient_id=" + "p".repeat(129), chief).text("field")).isEqualTo("patient_id");
        assertThat(w.get(base + "&patient_id=vip-1&from=yesterday", chief).text("field")).isEqualTo("from");
        assertThat(w.get(base + "&patient_id=vip-1&from=" + T2 + "&to=" + T1, chief).text("field")).isEqualTo("to");
        var format = w.get(base + "&patient_id=vip-1&format=pdf", chief);
        assertThat(format.status()).isEqualTo(400);
        assertThat(format.code()).isEqualTo("validation_failed");
        assertThat(format.text("field")).isEqualTo("format");
        assertThat(w.get("/v1/admin/reports/patient-access?tenant=nowhere&patient_id=vip-1", w.adminToken()).code())
                .isEqualTo("tenant_not_found");
        assertThat(w.get(base + "&patient_id=vip-1", null).status()).isEqualTo(401);
    }

    @Test
    void onlyTheTenantsAdministratorsMayReadIt() {
        int exported = w.ward.audit().recent("stmarys", "audit.exported", 1000).size();
        String oakboss = w.login("oakridge", "oakboss", PASSWORD);
        var other = w.get(ALL, oakboss);
        var search = w.get("/v1/admin/audit?tenant=stmarys&patient_id=vip-1", oakboss);
        assertThat(other.status()).isEqualTo(403);
        assertThat(other.code()).isEqualTo(search.code());
        assertThat(other.json().path("detail").asText()).isEqualTo(search.json().path("detail").asText());
        var staff = w.get(ALL, w.login("stmarys", "carer", PASSWORD));
        assertThat(staff.status()).isEqualTo(403);
        assertThat(w.get(ALL, w.createApiKey("stmarys", "audit")).code()).isEqualTo("insufficient_scope");
        assertThat(w.ward.audit().recent("stmarys", "audit.exported", 1000)).as("a refusal reads nothing").hasSize(exported);

        assertThat(events(w.get(ALL, w.createApiKey("stmarys", "admin")))).hasSize(14);
        assertThat(events(w.get(ALL, w.adminToken()))).as("a system administrator").hasSize(14);
    }
}
