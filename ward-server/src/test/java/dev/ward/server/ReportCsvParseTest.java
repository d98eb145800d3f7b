package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every report's CSV, with attacker-chosen values in it, read by a strict parser that is not Ward's (Python's {@code csv}
 * module, {@code strict=True}): it parses, every record has the header's width, Python writes the same records back
 * byte for byte (so the quoting and CRLF are exactly RFC 4180's minimal form), and no cell starts a formula.
 */
class ReportCsvParseTest {
    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final String PASSWORD = "Csv-Parse-Pass-9!";
    /** A break of the glass's reason may hold no control character; an app's purpose may, line breaks included. */
    static final String REASON = "@SUM(1,2) second part, \"quoted\" \u202E =1+1";
    static final String PURPOSE = "\t=1+2\r\nline two, \"quoted\"";
    static final String PATIENT = "-9";
    static final Instant DAY = Instant.parse("2026-11-22T00:00:00Z");

    /**
     * Reads a CSV file strictly and prints its records as JSON; exits non-zero (with why) when the file is not RFC 4180:
     * a parse error, a record of another width than the header, or anything Python's writer would write otherwise.
     */
    private static final String CHECK = String.join("\n",
            "import csv, io, json, sys",
            "raw = open(sys.argv[1], 'rb').read()",
            "rows = list(csv.reader(io.StringIO(raw.decode('utf-8'), newline=''), strict=True))",
            "if not rows: sys.exit('no header')",
            "for i, r in enumerate(rows):",
            "    if len(r) != len(rows[0]): sys.exit('record %d has %d fields, the header %d' % (i, len(r), len(rows[0])))",
            "out = io.StringIO(newline='')",
            "csv.writer(out, lineterminator='\\r\\n', quoting=csv.QUOTE_MINIMAL, strict=True).writerows(rows)",
            "if out.getvalue().encode('utf-8') != raw: sys.exit('not the minimal RFC 4180 form Python writes')",
            "json.dump(rows, sys.stdout)");

    static TestWard w;

    @BeforeAll
    static void start() {
        if (!Files.isExecutable(PYTHON)) {
            System.out.println("SKIPPED SUITE ReportCsvParseTest: " + PYTHON + " is missing");
            Assumptions.abort("python3 is not installed");
        }
        w = new TestWard();
        w.createTenant("csvt");
        String nurseId = w.createUser("csvt", "nurse", PASSWORD, "staff");
        String emr = w.createApiKey("csvt", "patients");
        String audit = w.createApiKey("csvt", "audit");
        var restricted = w.put("/v1/patients/" + PATIENT + "/access", TestWard.json(Map.of("restricted", true)), emr);
        assertThat(restricted.status()).as(restricted.raw()).isEqualTo(200);
        String nurse = w.login("csvt", "nurse", PASSWORD);
        var broke = w.post("/v1/session/patients/" + PATIENT, TestWard.json(Map.of("break_glass", true, "reason", REASON)), nurse);
        assertThat(broke.status()).as(broke.raw()).isEqualTo(200);
        assertThat(w.put("/v1/session/patients/" + PATIENT + "/data/k", "{\"v\":\"=1\"}", nurse).status()).isEqualTo(204);
        assertThat(w.get("/v1/session/patients/" + PATIENT + "/data/k", nurse).status()).isEqualTo(200);
        assertThat(w.post("/v1/audit/events", TestWard.json(Map.of("type", "app.patient.read", "user_id", nurseId,
                "patient_id", PATIENT, "details", Map.of("purpose", PURPOSE, "note", "a,b\n-c"))), audit).status()).isEqualTo(201);
        w.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", "csvt", "username", "=cmd", "password", "x")));
        w.clock.advance(Duration.ofMinutes(5));
    }

    @AfterAll
    static void stop() {
        if (w != null) {
            w.close();
        }
    }

    /** The CSV of every report (and of the audit export). The compliance report joins this list when it lands. */
    static List<String> csvReports() {
        return List.of("/v1/admin/reports/usage?tenant=csvt&format=csv&from=" + DAY + "&to=" + DAY.plus(Duration.ofDays(1)),
                "/v1/admin/reports/patient-access?tenant=csvt&format=csv&patient_id=" + PATIENT,
                "/v1/admin/audit/export?tenant=csvt&format=csv");
    }

    @Test
    void everyReportsCsvIsStrictRfc4180AndStartsNoFormula() throws Exception {
        for (String url : csvReports()) {
            TestWard.Response r = w.get(url, w.adminToken());
            assertThat(r.status()).as(url + " " + r.raw()).isEqualTo(200);
            List<List<String>> records = parse(r.raw());
            assertThat(records.size()).as(url).isGreaterThan(1);
            for (List<String> record : records) {
                for (String cell : record) {
                    assertThat(cell).as(url + ": a cell a spreadsheet would evaluate").doesNotStartWith("=")
                            .doesNotStartWith("+").doesNotStartWith("-").doesNotStartWith("@").doesNotStartWith("\t")
                            .doesNotStartWith("\r");
                }
            }
        }
    }

    @Test
    void hostileValuesSurviveTheRoundTripWithOnlyTheirLeadingQuote() throws Exception {
        List<List<String>> records = parse(w.get(csvReports().get(1), w.adminToken()).raw());
        List<String> header = records.getFirst();
        int action = header.indexOf("action");
        int purpose = header.indexOf("purpose");
        int details = header.indexOf("details");
        List<String> actions = records.subList(1, records.size()).stream().map(r -> r.get(action)).toList();
        assertThat(actions).containsExactly("restrict", "open", "break_glass", "write", "read", "read");
        List<String> broke = records.get(1 + actions.indexOf("break_glass"));
        assertThat(broke.get(purpose)).isEqualTo("'" + REASON);
        List<String> app = records.getLast();
        assertThat(app.get(purpose)).isEqualTo("'" + PURPOSE);
        JsonNode appDetails = new ObjectMapper().readTree(app.get(details));
        assertThat(appDetails.path("note").asText()).isEqualTo("a,b\n-c");

        List<List<String>> audit = parse(w.get(csvReports().get(2), w.adminToken()).raw());
        int patient = audit.getFirst().indexOf("patient_id");
        assertThat(audit).anySatisfy(row -> assertThat(row.get(patient)).isEqualTo("'" + PATIENT));
    }

    /** The records Python's strict reader finds in {@code csv}; fails the test with Python's reason when it refuses it. */
    private static List<List<String>> parse(String csv) throws IOException, InterruptedException {
        Path file = Files.createTempFile("ward-report", ".csv");
        Path script = Files.createTempFile("ward-csv-check", ".py");
        try {
            Files.writeString(file, csv, StandardCharsets.UTF_8);
            Files.writeString(script, CHECK, StandardCharsets.UTF_8);
            Process p = new ProcessBuilder(PYTHON.toString(), script.toString(), file.toString()).start();
            byte[] out = p.getInputStream().readAllBytes();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("python csv strict: " + err).isZero();
            List<List<String>> records = new ArrayList<>();
            for (JsonNode row : new ObjectMapper().readTree(out)) {
                List<String> cells = new ArrayList<>();
                row.forEach(c -> cells.add(c.asText()));
                records.add(cells);
            }
            return records;
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(script);
        }
    }
}
