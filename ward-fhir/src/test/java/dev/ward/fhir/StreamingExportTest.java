package dev.ward.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.audit.AuditEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The export holds one resource at a time: 200,000 events (hundreds of megabytes of JSON, gigabytes as HAPI
 * objects) stream through a JVM of 40 MiB heap, where building the Bundle first would die of OutOfMemoryError
 * within the first few thousand.
 */
class StreamingExportTest {
    static final int EVENTS = 200_000;

    @Test
    void twoHundredThousandEventsStreamThroughAFortyMebibyteHeap() throws IOException, InterruptedException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx40m", "-XX:+ExitOnOutOfMemoryError", "-cp", classpath, StreamingExportTest.class.getName())
                .redirectErrorStream(true).start();
        String output;
        boolean done = p.waitFor(5, TimeUnit.MINUTES);
        output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            p.destroyForcibly();
        }
        assertThat(done).as("export finished in time").isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("entries=" + EVENTS).contains("closed=true");
    }

    /** Runs in the small JVM: streams the events into a stream that counts entries and keeps nothing. */
    public static void main(String[] args) {
        Iterator<AuditEvent> events = new Iterator<>() {
            int n;
            @Override public boolean hasNext() { return n < EVENTS; }
            @Override public AuditEvent next() {
                n++;
                return AuditEvents.event(n, n % 2 == 0 ? "patient.data_read" : "login.succeeded", "success", null,
                        "usr_" + n, "ses_" + n, "p-" + n, "203.0.113.7", Map.of("method", "totp"));
            }
        };
        Counting out = new Counting();
        new FhirAuditExport("ward-1").writeBundle(events, out);
        System.out.println("entries=" + out.entries + " bytes=" + out.bytes + " closed=" + out.closedProperly());
    }

    /** Counts "fullUrl" keys as they pass, and remembers the last two bytes. */
    static final class Counting extends OutputStream {
        private static final byte[] KEY = "\"fullUrl\"".getBytes(StandardCharsets.UTF_8);
        long bytes;
        long entries;
        private int matched;
        private final byte[] tail = new byte[2];

        @Override
        public void write(int b) {
            bytes++;
            tail[0] = tail[1];
            tail[1] = (byte) b;
            matched = b == KEY[matched] ? matched + 1 : (b == KEY[0] ? 1 : 0);
            if (matched == KEY.length) {
                entries++;
                matched = 0;
            }
        }

        boolean closedProperly() { return List.of((int) tail[0], (int) tail[1]).equals(List.of((int) ']', (int) '}')); }
    }
}
