package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.server.cli.WardCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code ward audit search|export} while the server runs on the same data, as the operator (issue 11, item 10). */
class AuditCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TestWard w;
    static String dir;

    @BeforeAll
    static void start() {
        w = new TestWard();
        dir = w.dataDir.toString();
        w.createTenant("stmarys");
        String key = w.createApiKey("stmarys", "audit");
        for (int i = 0; i < 25; i++) {
            assertThat(w.post("/v1/audit/events", TestWard.json(Map.of("type", i % 2 == 0 ? "app.patient.read" : "app.report.printed",
                    "patient_id", "pat-" + (i % 4))), key).status()).isEqualTo(201);
        }
    }

    @AfterAll
    static void stop() { w.close(); }

    /**
     * What the command printed, less the log lines of the server that runs in this JVM (its console appender writes to
     * the same standard output).
     */
    static String printed(WardCli.Run run) {
        return String.join("\n", run.out().lines().filter(l -> !l.matches("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} .*")).toList());
    }

    @Test
    void searchAnswersAsTheHttpApiDoesPageByPage() throws Exception {
        var first = WardCli.run("audit", "search", "--tenant", "stmarys", "--type", "app.patient.*", "--patient", "pat-2",
                "--limit", "2", "--format", "json", "--data-dir", dir);
        assertThat(first.exit()).as(first.err()).isZero();
        JsonNode page = JSON.readTree(printed(first));
        var http = w.get("/v1/admin/audit?tenant=stmarys&type=app.patient.*&patient_id=pat-2&limit=2", w.adminToken());
        assertThat(page.path("events")).isEqualTo(http.json().path("events"));
        assertThat(page.path("next_cursor").asText()).isEqualTo(http.text("next_cursor"));

        List<Long> seqs = new ArrayList<>();
        page.path("events").forEach(e -> seqs.add(e.path("seq").asLong()));
        var second = WardCli.run("audit", "search", "--tenant", "stmarys", "--type", "app.patient.*", "--patient", "pat-2",
                "--limit", "2", "--cursor", page.path("next_cursor").asText(), "--format", "json", "--data-dir", dir);
        JSON.readTree(printed(second)).path("events").forEach(e -> seqs.add(e.path("seq").asLong()));
        assertThat(seqs).hasSize(4).doesNotHaveDuplicates().isSortedAccordingTo((a, b) -> Long.compare(b, a));

        var text = WardCli.run("audit", "search", "--tenant", "stmarys", "--patient", "pat-1", "--data-dir", dir);
        assertThat(text.exit()).as(text.err()).isZero();
        assertThat(text.out()).contains("app.report.printed").contains("pat-1").doesNotContain("pat-2").contains("6 event(s).");
    }

    @Test
    void exportWritesAFileWithProgressOrStandardOutput() throws Exception {
        Path file = Files.createTempDirectory("ward-export").resolve("trail.csv");
        var run = WardCli.run("audit", "export", "--tenant", "stmarys", "--format", "csv", "--output", file.toString(), "--data-dir", dir);
        assertThat(run.exit()).as(run.err()).isZero();
        // Each export records itself (audit.exported) before its first event, so it carries its own record as its last.
        long chain = head();
        assertThat(run.out()).contains("Exporting: " + chain + " of " + chain)
                .contains("Exported " + chain + " event(s) of tenant stmarys to " + file + " (csv).");
        List<List<String>> rows = AuditExportHttpTest.Rfc4180.parse(Files.readString(file));
        assertThat(rows).hasSize((int) chain + 1);
        assertThat(rows.get(1).get(1)).isEqualTo("1");
        assertThat(rows.getLast().get(3)).isEqualTo("audit.exported");
        assertThat(rows.getLast().get(5)).isEqualTo("operator");
        assertThat(Files.exists(file.resolveSibling("trail.csv.partial"))).isFalse();

        var stdout = WardCli.run("audit", "export", "--tenant", "stmarys", "--format", "ndjson", "--data-dir", dir);
        assertThat(stdout.exit()).as(stdout.err()).isZero();
        assertThat(printed(stdout).lines().count()).isEqualTo(head());
        JsonNode own = JSON.readTree(printed(stdout).lines().reduce((a, b) -> b).orElseThrow());
        assertThat(own.path("type").asText()).isEqualTo("audit.exported");
        assertThat(own.path("details").path("format").asText()).isEqualTo("ndjson");
        // The route writes the same lines, and then its own record.
        String http = w.get("/v1/admin/audit/export?tenant=stmarys&format=ndjson", w.adminToken()).raw();
        assertThat(http).startsWith(printed(stdout) + "\n");
        assertThat(http.lines().count()).isEqualTo(head());

        var fhir = WardCli.run("audit", "export", "--tenant", "stmarys", "--format", "fhir", "--data-dir", dir);
        assertThat(fhir.exit()).as(fhir.err()).isZero();
        assertThat(JSON.readTree(printed(fhir)).path("entry")).hasSize((int) head());
    }

    /** The position of the newest event of tenant stmarys, read without a search (which would record itself). */
    private static long head() {
        return w.ward.audit().recent("stmarys", null, 1).getFirst().seq();
    }

    @Test
    void refusalsSayWhyWithExitCodeTwo() {
        var format = WardCli.run("audit", "export", "--tenant", "stmarys", "--format", "xml", "--data-dir", dir);
        assertThat(format.exit()).isEqualTo(2);
        assertThat(format.err()).contains("--format must be ndjson, csv or fhir");
        var tenant = WardCli.run("audit", "search", "--tenant", "nowhere", "--data-dir", dir);
        assertThat(tenant.exit()).isEqualTo(2);
        assertThat(tenant.err()).contains("ward audit search: No such tenant.");
        var cursor = WardCli.run("audit", "search", "--tenant", "stmarys", "--cursor", "bogus", "--data-dir", dir);
        assertThat(cursor.exit()).isEqualTo(2);
        assertThat(cursor.err()).contains("cursor must be a next_cursor value");
        var time = WardCli.run("audit", "search", "--tenant", "stmarys", "--from", "yesterday", "--data-dir", dir);
        assertThat(time.exit()).isEqualTo(2);
        var help = WardCli.run("audit", "--help");
        assertThat(help.out()).contains("search").contains("export");
    }
}
