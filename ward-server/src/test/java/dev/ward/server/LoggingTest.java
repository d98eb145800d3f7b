package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code WARD_LOG_FORMAT}, {@code WARD_LOG_LEVEL} and the request id (issue 16 item 5), in a server process of its own
 * as an operator starts it: JSON lines a log shipper can parse, each line of a request naming its {@code X-Request-Id}.
 */
class LoggingTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static HttpResponse<String> get(WardProcess.Server server, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.base() + path));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Waits (at most 10 s) for the access log's line of a request, which comes after its answer. */
    static String lineWith(WardProcess.Server server, String needle) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            for (String line : server.output().toString().split("\n")) {
                if (line.contains(needle)) {
                    return line;
                }
            }
            Thread.sleep(20); // the access log line is written after the answer is sent; nothing signals it
        }
        throw new AssertionError("no log line with " + needle + " in:\n" + server.output());
    }

    @Test
    void jsonLinesCarryTheRequestIdOfTheirRequest() throws Exception {
        Path data = Files.createTempDirectory("ward-logging");
        try (WardProcess.Server server = WardProcess.serve(Map.of("WARD_LOG_FORMAT", "json", "WARD_LOG_LEVEL", "info"),
                List.of(), 60, "--data-dir", data.toString())) {
            HttpResponse<String> live = get(server, "/health/live");
            String id = live.headers().firstValue("X-Request-Id").orElseThrow();
            String access = lineWith(server, "\"ward.access\"");
            JsonNode line = JSON.readTree(access);
            assertThat(line.path("level").asText()).isEqualTo("INFO");
            assertThat(line.path("loggerName").asText()).isEqualTo("ward.access");
            assertThat(line.path("mdc").path("request_id").asText()).isEqualTo(id);
            assertThat(line.path("formattedMessage").asText()).startsWith("GET /health/live 200 ");

            // Every log line is JSON, the start-up's included. What is not a log line stays as API.md and the README
            // show it: "Ward listening on …" (scripts wait for it) and the bootstrap banner (the first password, once).
            List<String> notJson = new ArrayList<>();
            for (String each : server.output().toString().split("\n")) {
                try {
                    JSON.readTree(each);
                } catch (Exception e) {
                    notJson.add(each);
                }
            }
            assertThat(notJson).as("lines that are not JSON").allSatisfy(l -> assertThat(l)
                    .matches("Ward listening on http://.*|=+| Ward bootstrap: .*| Initial admin password .*"));

            // Ids differ per request; a caller that is not a trusted proxy cannot choose one.
            HttpResponse<String> second = get(server, "/health/live", "X-Request-Id", "forged-by-a-client");
            assertThat(second.headers().firstValue("X-Request-Id").orElseThrow()).isNotEqualTo(id)
                    .isNotEqualTo("forged-by-a-client");
        }
    }

    @Test
    void aTrustedProxysRequestIdIsKeptAndTextLinesNameIt() throws Exception {
        Path data = Files.createTempDirectory("ward-logging");
        try (WardProcess.Server server = WardProcess.serve(Map.of("WARD_TRUSTED_PROXIES", "127.0.0.1"),
                List.of(), 60, "--data-dir", data.toString())) {
            HttpResponse<String> r = get(server, "/health/live", "X-Request-Id", "lb-7f3a.42");
            assertThat(r.headers().firstValue("X-Request-Id")).hasValue("lb-7f3a.42");
            assertThat(lineWith(server, "GET /health/live 200")).endsWith(" rid=lb-7f3a.42");
            HttpResponse<String> odd = get(server, "/health/live", "X-Request-Id", "a b\tc");
            assertThat(odd.headers().firstValue("X-Request-Id").orElseThrow()).as("not a plain token: Ward's own")
                    .doesNotContain(" ").isNotEqualTo("a b\tc");
        }
    }

    /**
     * The tests run with logback-test.xml; the jar with logback.xml. A mistake in the shipped one (a "--" inside an XML
     * comment once) made logback drop it and print a stack trace on every command, and no test saw it.
     */
    @Test
    void theShippedLogbackConfigurationLoadsCleanly() throws Exception {
        ch.qos.logback.classic.LoggerContext context = new ch.qos.logback.classic.LoggerContext();
        ch.qos.logback.classic.joran.JoranConfigurator joran = new ch.qos.logback.classic.joran.JoranConfigurator();
        joran.setContext(context);
        joran.doConfigure(getClass().getResource("/logback.xml"));
        List<String> problems = new ArrayList<>();
        for (ch.qos.logback.core.status.Status s : context.getStatusManager().getCopyOfStatusList()) {
            if (s.getLevel() >= ch.qos.logback.core.status.Status.WARN) {
                problems.add(s.toString());
            }
        }
        assertThat(problems).isEmpty();
        assertThat(context.getLogger("ward.access").getLevel()).isNotNull();
        context.stop();
    }

    @Test
    void anUnusableLevelOrFormatStopsTheStartWithAReason() throws Exception {
        WardProcess.Result level = WardProcess.run(Map.of("WARD_LOG_LEVEL", "LOUD"), "serve", "--port", "0");
        assertThat(level.exit()).isEqualTo(2);
        assertThat(level.err()).contains("WARD_LOG_LEVEL must be one of TRACE, DEBUG, INFO, WARN, ERROR");
        WardProcess.Result format = WardProcess.run(Map.of("WARD_LOG_FORMAT", "xml"), "check");
        assertThat(format.exit()).isEqualTo(2);
        assertThat(format.err()).contains("WARD_LOG_FORMAT must be text or json");
    }
}
