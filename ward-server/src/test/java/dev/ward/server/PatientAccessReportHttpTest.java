package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ward.server.cli.WardCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The patient-access report on the embedded database ({@link PatientAccessReportContract}), with what needs a Ward of
 * this JVM's own: {@code ward report patient-access} (the command opens the data directory) and the GeoIP look-up.
 */
class PatientAccessReportHttpTest extends PatientAccessReportContract {
    @BeforeAll
    static void start() {
        seed(new TestWard());
    }

    @Test
    void theCommandWritesTheReportToAFile() throws Exception {
        Path out = w.dataDir.resolve("vip-1.csv");
        var run = WardCli.run("report", "patient-access", "--tenant", "stmarys", "--patient", "vip-1", "--to", T2.toString(),
                "--format", "csv", "--output", out.toString(), "--data-dir", w.dataDir.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).contains("(14 event(s))");
        assertThat(w.ward.audit().recent("stmarys", "audit.exported", 1).getFirst().actor()).isEqualTo("operator");
        assertThat(Files.readString(out)).isEqualTo(w.get(ALL + "&format=csv", chief).raw());

        // To a file too: standard output here is shared with the server's log lines (one JVM).
        Path jsonFile = w.dataDir.resolve("vip-1.json");
        var json = WardCli.run("report", "patient-access", "--tenant", "stmarys", "--patient", "vip-1", "--from", "2026-11-22",
                "--to", T1.toString(), "--output", jsonFile.toString(), "--data-dir", w.dataDir.toString());
        assertThat(json.exit()).as(json.err()).isZero();
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(jsonFile.toFile()).path("events")).hasSize(5);

        var bad = WardCli.run("report", "patient-access", "--tenant", "stmarys", "--patient", "vip-1", "--format", "xlsx",
                "--data-dir", w.dataDir.toString());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--format must be json, csv or html");
        var none = WardCli.run("report", "patient-access", "--tenant", "nowhere", "--patient", "vip-1",
                "--data-dir", w.dataDir.toString());
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("No such tenant.");
        assertThat(Files.exists(w.dataDir.resolve("vip-1.csv.partial"))).isFalse();
    }

    /** Where the address is: recorded in the event (an app's), else looked up now in the operator's GeoIP file. */
    @Test
    void aLocationIsTheRecordedOneElseLookedUp() throws Exception {
        Optional<String> missing = TestGeoIpDb.unavailable();
        Assumptions.assumeTrue(missing.isEmpty(), () -> missing.orElse(""));
        Path db = Files.createTempFile("ward-geo", ".mmdb");
        try {
            TestGeoIpDb.write(db, TestGeoIpDb.PLACES);
            try (TestWard g = TestWard.configured(c -> c.withGeoipDb(Optional.of(db)).withTrustedProxies(List.of("127.0.0.1/32")))) {
                g.createTenant("clinic");
                g.createUser("clinic", "nurse", PASSWORD, "staff");
                String audit = g.createApiKey("clinic", "audit");
                String nurse = g.login("clinic", "nurse", PASSWORD);
                ok(g.send("POST", "/v1/session/patients/pat-7", null, "Authorization", "Bearer " + nurse,
                        "X-Forwarded-For", TestGeoIpDb.LONDON));
                ok(g.post("/v1/audit/events", TestWard.json(Map.of("type", "app.patient.view", "patient_id", "pat-7",
                        "details", Map.of("location", Map.of("country", "SE", "city", "Linköping")))), audit));
                List<JsonNode> rows = events(g.get("/v1/admin/reports/patient-access?tenant=clinic&patient_id=pat-7", g.adminToken()));
                assertThat(rows).hasSize(2);
                assertThat(rows.get(0).path("ip").asText()).isEqualTo(TestGeoIpDb.LONDON);
                assertThat(rows.get(0).path("location").path("city").asText()).isEqualTo("London");
                assertThat(rows.get(0).path("location_source").asText()).isEqualTo("looked_up");
                assertThat(rows.get(1).path("location").path("city").asText()).isEqualTo("Linköping");
                assertThat(rows.get(1).path("location_source").asText()).isEqualTo("recorded");
            }
        } finally {
            Files.deleteIfExists(db);
        }
    }
}
