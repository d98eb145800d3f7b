package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Log forging through {@code X-Request-Id} (review16), even from the trusted proxy whose ids Ward keeps: JSON, quotes,
 * escapes, markup, an id over 64 characters. None reaches a log line or the answer; every line stays
 * one JSON object. No finding: {@link LoggingTest}'s guarantees hold against these too.
 */
class LogsAttackTest {
    @Test
    void noRequestIdForgesALogLineOrComesBackInTheAnswer() throws Exception {
        Path data = Files.createTempDirectory("ward-logs-attack");
        List<String> forged = List.of("a\"}, {\"level\":\"ERROR\",\"formattedMessage\":\"admin logged in", "x\\nERROR forged",
                "k".repeat(65), "<script>alert(1)</script>", "rid=other-request");
        try (WardProcess.Server server = WardProcess.serve(Map.of("WARD_LOG_FORMAT", "json", "WARD_TRUSTED_PROXIES", "127.0.0.1"),
                List.of(), 60, "--data-dir", data.toString())) {
            for (String id : forged) {
                HttpResponse<String> r = LoggingTest.get(server, "/health/live", "X-Request-Id", id);
                assertThat(r.headers().firstValue("X-Request-Id").orElseThrow()).as(id).isNotEqualTo(id).matches("[0-9a-f]{8}-[0-9a-z]+");
                assertThat(r.body()).doesNotContain(id);
            }
            HttpResponse<String> last = LoggingTest.get(server, "/health/ready");
            LoggingTest.lineWith(server, last.headers().firstValue("X-Request-Id").orElseThrow()); // every line before is out
            for (String line : server.output().toString().split("\n")) {
                if (line.startsWith("{")) {
                    assertThat(LoggingTest.JSON.readTree(line).isObject()).as(line).isTrue();
                }
                for (String id : forged) {
                    assertThat(line).doesNotContain(id).doesNotContain("forged").doesNotContain("kkkkkkkkkkkkkkkk");
                }
            }
        }
    }
}
