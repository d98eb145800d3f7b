package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GET /v1/admin/audit/export (issue 11, item 6): NDJSON lines that parse and hold the whole chain in order, CSV that an
 * RFC 4180 reader reads back cell for cell (commas, quotes and line breaks in details; formula-like cells defused),
 * the time window, and the headers of a download.
 */
class AuditExportHttpTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TestWard w;
    static String auditKey;
    static Instant middle;

    @BeforeAll
    static void start() {
        w = new TestWard();
        w.createTenant("stmarys");
        auditKey = w.createApiKey("stmarys", "audit");
        for (int i = 0; i < 12; i++) {
            if (i == 6) {
                middle = w.clock.instant();
            }
            var r = w.post("/v1/audit/events", TestWard.json(Map.of("type", "app.patient.read", "patient_id", i == 3 ? "-2.3" : "pat-" + i,
                    "details", Map.of("note", "a, \"quoted\"\r\nsecond line; =SUM(A1)", "n", i))), auditKey);
            assertThat(r.status()).as(r.raw()).isEqualTo(201);
            w.clock.advance(Duration.ofMinutes(1));
        }
    }

    @AfterAll
    static void stop() { w.close(); }

    /** The whole chain as search answers it, oldest first. */
    static List<JsonNode> chain() {
        var r = w.get("/v1/admin/audit?tenant=stmarys&limit=1000", w.adminToken());
        List<JsonNode> events = new ArrayList<>();
        r.json().path("events").forEach(e -> events.add(0, e));
        return events;
    }

    @Test
    void ndjsonIsOneParsableObjectPerLineWithEveryFieldInChainOrder() throws Exception {
        var r = w.get("/v1/admin/audit/export?tenant=stmarys&format=ndjson", w.adminToken());
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/x-ndjson");
        assertThat(r.header("Content-Disposition")).isEqualTo("attachment; filename=\"ward-audit-stmarys.ndjson\"");
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        assertThat(r.raw()).endsWith("\n");
        String[] lines = r.raw().split("\n");
        List<JsonNode> chain = chain();
        assertThat(lines).hasSameSizeAs(chain);
        String prev = null;
        for (int i = 0; i < lines.length; i++) {
            JsonNode line = JSON.readTree(lines[i]);
            JsonNode searched = chain.get(i);
            assertThat(line.path("tenant").asText()).isEqualTo("stmarys");
            for (String f : List.of("seq", "at", "type", "outcome", "actor", "user_id", "session_id", "patient_id", "ip", "details", "hash")) {
                assertThat(line.path(f)).as(f + " of line " + i).isEqualTo(searched.path(f));
            }
            assertThat(line.path("seq").asLong()).isEqualTo(i + 1);
            if (prev != null) {
                assertThat(line.path("prev_hash").asText()).as("the chain links").isEqualTo(prev);
            }
            prev = line.path("hash").asText();
        }
        // The export is recorded before its first event: its own record is its last line (audit log used, DICOM 110101).
        JsonNode own = JSON.readTree(lines[lines.length - 1]);
        assertThat(own.path("type").asText()).isEqualTo("audit.exported");
        assertThat(own.path("actor").asText()).startsWith("user:");
        assertThat(own.path("details").path("format").asText()).isEqualTo("ndjson");
        // Default format is NDJSON: the same lines, then the search's record (chain() above) and its own.
        String again = w.get("/v1/admin/audit/export?tenant=stmarys", w.adminToken()).raw();
        assertThat(again).startsWith(r.raw());
        assertThat(again.substring(r.raw().length()).lines().map(l -> {
            try {
                return JSON.readTree(l).path("type").asText();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).toList()).containsExactly("audit.searched", "audit.exported");
    }

    @Test
    void csvReadsBackCellForCellPerRfc4180() {
        var r = w.get("/v1/admin/audit/export?tenant=stmarys&format=csv", w.adminToken());
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("text/csv; charset=utf-8; header=present");
        assertThat(r.header("Content-Disposition")).isEqualTo("attachment; filename=\"ward-audit-stmarys.csv\"");
        List<List<String>> rows = Rfc4180.parse(r.raw());
        assertThat(rows.getFirst()).containsExactly(AuditExportFormat.COLUMNS);
        List<JsonNode> chain = chain();
        assertThat(rows).hasSize(chain.size() + 1);
        for (int i = 0; i < chain.size(); i++) {
            List<String> row = rows.get(i + 1);
            JsonNode e = chain.get(i);
            assertThat(row).hasSize(AuditExportFormat.COLUMNS.length);
            assertThat(row.get(1)).isEqualTo(e.path("seq").asText());
            assertThat(row.get(2)).isEqualTo(e.path("at").asText());
            assertThat(row.get(3)).isEqualTo(e.path("type").asText());
            assertThat(row.get(12)).isEqualTo(e.path("hash").asText());
            String patient = e.path("patient_id").asText("");
            assertThat(row.get(8)).isEqualTo(patient.startsWith("-") ? "'" + patient : patient);
        }
        List<String> withNote = rows.stream().filter(row -> row.get(10).contains("note")).findFirst().orElseThrow();
        assertThat(withNote.get(10)).contains("a, \\\"quoted\\\"\\r\\nsecond line; =SUM(A1)");
        assertThat(rows.stream().filter(row -> row.get(8).equals("'-2.3"))).as("formula-like cell defused").hasSize(1);
        assertThat(r.raw()).contains("\r\n").doesNotContainPattern("[^\r]\n");
    }

    @Test
    void theWindowIsFromInclusiveToExclusive() {
        var r = w.get("/v1/admin/audit/export?tenant=stmarys&format=csv&from=" + middle + "&to=" + middle.plus(Duration.ofMinutes(3)),
                w.adminToken());
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        List<List<String>> rows = Rfc4180.parse(r.raw());
        assertThat(rows.subList(1, rows.size())).extracting(row -> row.get(8)).containsExactly("pat-6", "pat-7", "pat-8");
        var empty = w.get("/v1/admin/audit/export?tenant=stmarys&format=ndjson&from=2030-01-01T00:00:00Z", w.adminToken());
        assertThat(empty.status()).isEqualTo(200);
        assertThat(empty.raw()).isEmpty();
    }

    @Test
    void badInputIsAProblemBeforeAnyByteIsSent() {
        String admin = w.adminToken();
        assertThat(w.get("/v1/admin/audit/export?tenant=stmarys&format=xml", admin).text("field")).isEqualTo("format");
        assertThat(w.get("/v1/admin/audit/export?tenant=stmarys&from=noon", admin).text("field")).isEqualTo("from");
        assertThat(w.get("/v1/admin/audit/export?tenant=nowhere", admin).code()).isEqualTo("tenant_not_found");
        assertThat(w.get("/v1/admin/audit/export?tenant=stmarys", auditKey).code()).isEqualTo("insufficient_scope");
    }

    /**
     * A failure after the first byte (here a stored event whose details no longer parse, on the second page) cannot be
     * a problem answer any more: the connection is aborted, so the client sees a broken transfer, never a
     * complete-looking export with an error appended.
     */
    @Test
    void aFailureMidStreamCutsTheTransferInsteadOfEndingItLikeAWholeExport() throws Exception {
        try (TestWard t = new TestWard()) {
            t.createTenant("cut");
            try (var db = dev.ward.store.sql.SqlDatabase.embedded(t.dataDir, DataDirectory.databasePassword(t.dataDir))) {
                db.run(h -> h.execute("INSERT INTO audit_events (chain_seq, at, tenant_id, type, outcome, details, prev_hash, hash) "
                        + "SELECT \"X\" + 10, CURRENT_TIMESTAMP, 'cut', 'app.report.printed', 'success', "
                        + "CASE WHEN \"X\" = 1500 THEN '{not json' ELSE '{}' END, REPEAT('a', 64), REPEAT('b', 64) FROM SYSTEM_RANGE(1, 2000)"));
            }
            var http = java.net.http.HttpClient.newHttpClient();
            var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(t.base() + "/v1/admin/audit/export?tenant=cut&format=ndjson"))
                    .header("Authorization", "Bearer " + t.adminToken()).build();
            String body = null;
            Exception failure = null;
            try {
                body = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            } catch (java.io.IOException e) {
                failure = e;
            }
            assertThat(failure).as("the transfer breaks; got a body ending %s",
                    body == null ? "" : body.substring(Math.max(0, body.length() - 200))).isNotNull();
        }
    }

    /** A strict RFC 4180 reader: fields separated by commas, records by CRLF, quoted fields with doubled quotes. */
    static final class Rfc4180 {
        static List<List<String>> parse(String text) {
            List<List<String>> rows = new ArrayList<>();
            List<String> row = new ArrayList<>();
            StringBuilder cell = new StringBuilder();
            int i = 0;
            boolean quoted = false;
            boolean wasQuoted = false;
            while (i < text.length()) {
                char c = text.charAt(i);
                if (quoted) {
                    if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        cell.append('"');
                        i += 2;
                    } else if (c == '"') {
                        quoted = false;
                        i++;
                    } else {
                        cell.append(c);
                        i++;
                    }
                } else if (c == '"') {
                    if (cell.length() > 0 || wasQuoted) {
                        throw new AssertionError("quote inside an unquoted field at " + i);
                    }
                    quoted = true;
                    wasQuoted = true;
                    i++;
                } else if (c == ',') {
                    row.add(cell.toString());
                    cell.setLength(0);
                    wasQuoted = false;
                    i++;
                } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    row.add(cell.toString());
                    rows.add(row);
                    row = new ArrayList<>();
                    cell.setLength(0);
                    wasQuoted = false;
                    i += 2;
                } else if (c == '\r' || c == '\n') {
                    throw new AssertionError("bare line break outside quotes at " + i);
                } else {
                    if (wasQuoted) {
                        throw new AssertionError("text after a closing quote at " + i);
                    }
                    cell.append(c);
                    i++;
                }
            }
            if (quoted || cell.length() > 0 || !row.isEmpty()) {
                throw new AssertionError("the last record does not end with CRLF");
            }
            return rows;
        }
    }
}
