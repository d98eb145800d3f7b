package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.access.Actor;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Exports hold a page, never the trail (issue 11, item 6): 200,000 events (about 90 MB as CSV, several hundred MB as
 * objects) are exported as CSV and NDJSON through Ward's own wiring by a JVM of 64 MiB heap, which would die of
 * OutOfMemoryError if the export gathered its rows first.
 */
class AuditExportMemoryTest {
    static final int EVENTS = 200_000;

    @Test
    void twoHundredThousandEventsExportThroughASixtyFourMebibyteHeap() throws Exception {
        Path dir = Files.createTempDirectory("ward-export-memory");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:+ExitOnOutOfMemoryError", "-cp", classpath, AuditExportMemoryTest.class.getName(), dir.toString())
                .redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("WARD_"));
        Process p = pb.start();
        boolean done = p.waitFor(5, TimeUnit.MINUTES);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            p.destroyForcibly();
        }
        assertThat(done).as("export finished in time").isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("csv events=" + (EVENTS + 1)).contains("ndjson events=" + (EVENTS + 1));
        long csvBytes = Long.parseLong(output.replaceAll("(?s).*csv events=\\d+ bytes=(\\d+).*", "$1"));
        assertThat(csvBytes).as("more bytes than the heap could hold").isGreaterThan(64L << 20);
    }

    /** Runs in the small JVM: fills an embedded database, then exports it into streams that count and keep nothing. */
    public static void main(String[] args) {
        String key = Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32));
        try (Ward.Core core = Ward.Core.open(Config.fromEnvironment(Map.of("WARD_MASTER_KEY", key), "127.0.0.1", 0, Path.of(args[0])),
                Clock.systemUTC())) {
            core.tenants().createIfAbsent("big", "Big");
            // Rows written directly (their hashes are not a chain; an export copies what is stored, it does not verify).
// In statements of 10,000 rows: one statement of 200,000 would hold its whole undo log in the small heap.
                        for (int from = 1; from <= EVENTS; from += 10_000) {
                int lo = from;
                core.db().run(h -> h.execute("INSERT INTO audit_events (chain_seq, at, tenant_id, type, outcome, actor, user_id, session_id, "
                    + "patient_id, ip, details, prev_hash, hash) SELECT \"X\" + 1, TIMESTAMP WITH TIME ZONE '2026-01-01 00:00:00+00' + \"X\" * INTERVAL '1' SECOND, "
                    + "'big', 'patient.data_read', 'success', 'user:usr_' || MOD(\"X\", 100), 'usr_' || MOD(\"X\", 100), 'ses_' || MOD(\"X\", 1000), "
                    + "'pat-' || \"X\", '10.0.0.1', '{\"action\":\"R\",\"note\":\"a, \\\"quoted\\\" value with enough text to make rows long\"}', "
                    + "REPEAT('a', 64), REPEAT('b', 64) FROM SYSTEM_RANGE(" + lo + ", " + (lo + 9_999) + ")"));
            }
            for (AuditExportFormat format : new AuditExportFormat[] {AuditExportFormat.CSV, AuditExportFormat.NDJSON}) {
                Counting out = new Counting();
                var events = core.auditSearch().export(new Actor.Operator(), "big", null, null);
                long[] n = {0};
                format.write(new java.util.Iterator<>() {
                    @Override public boolean hasNext() { return events.hasNext(); }
                    @Override public dev.ward.audit.AuditEvent next() { n[0]++; return events.next(); }
                }, out);
                System.out.println(format.wire() + " events=" + n[0] + " bytes=" + out.bytes);
            }
        }
    }

    static final class Counting extends OutputStream {
        long bytes;
        @Override public void write(int b) { bytes++; }
        @Override public void write(byte[] b, int off, int len) { bytes += len; }
    }
}
