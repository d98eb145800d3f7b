package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.crypto.Secrets;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/admin/audit/export} streams in constant memory (issue 11, item 6; decision 0013): a server in a JVM of
 * its own with a 64 MiB heap exports a tenant's 300,000 events as NDJSON and as CSV at once — each export larger than
 * the heap — and every row arrives while the server stays up (an OutOfMemoryError would end it:
 * {@code -XX:+ExitOnOutOfMemoryError}). The rows are written by SQL into PostgreSQL while the server starts
 * ({@code generate_series}, a few seconds, in PostgreSQL's memory, not the small heap's); they are a chain by shape
 * (positions 1…n, each linked to the one before) with made-up hashes, which an export does not check. Every wait has a
 * bound, and the server is killed at the end whatever happened.
 */
class AuditExportMemoryTest {
    private static final int ROWS = 300_000;
    private static final int HEAP_MIB = 64;
    private static final String TENANT = "bulk";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static PostgresSchema schema;
    private static WardProcess.Server server;
    private static String base;

    @BeforeAll
    static void start() throws Exception {
        schema = PostgresSchema.create("AuditExportMemoryTest");
        String key = Base64.getEncoder().encodeToString(Secrets.randomBytes(32));
        Path data = Files.createTempDirectory("ward-export-memory");
        long t0 = System.nanoTime();
        // The schema and the tenant, made here (in this JVM's heap), so that the rows can be written while the server starts.
        try (Ward.Core core = Ward.Core.open(Config.fromEnvironment(Map.of("WARD_DATABASE_URL", schema.url(), "WARD_MASTER_KEY", key),
                "127.0.0.1", 0, data), Clock.systemUTC())) {
            core.tenants().createIfAbsent(TENANT, "Bulk");
        }
        CompletableFuture<Double> filled = CompletableFuture.supplyAsync(() -> {
            long f0 = System.nanoTime();
            fill();
            return (System.nanoTime() - f0) / 1e9;
        });
        server = WardProcess.serve(Map.of("WARD_DATABASE_URL", schema.url(), "WARD_MASTER_KEY", key,
                        "WARD_BOOTSTRAP_ADMIN_PASSWORD", TestWard.ADMIN_PASSWORD, "WARD_ACCESS_LOG_LEVEL", "WARN"),
                List.of("-Xmx" + HEAP_MIB + "m", "-XX:+ExitOnOutOfMemoryError"), 120, "--data-dir", data.toString());
        base = server.base();
        double up = (System.nanoTime() - t0) / 1e9;
        System.out.printf("AuditExportMemoryTest: server up in %.1f s, %,d rows filled meanwhile in %.1f s%n", up, ROWS,
                filled.get(60, TimeUnit.SECONDS));
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (schema != null) {
            schema.close();
        }
    }

    /**
     * {@link #ROWS} events appended to tenant {@code bulk}'s chain in one statement, under its head's lock as Ward's own
     * appends are: the positions after the head, a second apart, user, session, patient and IP varying, details that CSV
     * must quote, each {@code prev_hash} the previous row's {@code hash}; then the head moved to the last, so that events
     * Ward appends afterwards continue the chain.
     */
    private static void fill() {
        try (var c = DriverManager.getConnection(schema.url()); var st = c.createStatement()) {
            st.setQueryTimeout(50);
            c.setAutoCommit(false);
            st.execute("INSERT INTO audit_heads (tenant_id, seq, hash, first_seq, first_prev) VALUES ('" + TENANT + "', 0, repeat('0', 64), "
                    + "0, repeat('0', 64)) ON CONFLICT DO NOTHING");
            long head;
            String headHash;
            try (var rs = st.executeQuery("SELECT seq, hash FROM audit_heads WHERE tenant_id = '" + TENANT + "' FOR UPDATE")) {
                rs.next();
                head = rs.getLong(1);
                headHash = rs.getString(2);
            }
            String hash = "md5('" + TENANT + "' || %s) || md5(%s || '" + TENANT + "')";
            st.execute("INSERT INTO audit_events (chain_seq, at, tenant_id, type, outcome, actor, user_id, session_id, patient_id, ip, "
                    + "details, prev_hash, hash) SELECT g, timestamptz '2026-01-01 00:00:00+00' + g * interval '1 second', '" + TENANT
                    + "', 'patient.data_read', 'success', 'user:usr_' || (g % 100), 'usr_' || (g % 100), 'ses_' || (g % 300), "
                    + "'pat-' || (g % 5000), '10.0.' || (g % 250) || '.' || (g % 7), '{\"action\":\"R\",\"note\":\"row ' || g || ', \\\"quoted\\\"\"}', "
                    + "CASE WHEN g = " + (head + 1) + " THEN '" + headHash + "' ELSE " + hash.formatted("(g - 1)", "(g - 1)") + " END, "
                    + hash.formatted("g", "g") + " FROM generate_series(" + (head + 1) + ", " + (head + ROWS) + ") g");
            st.execute("UPDATE audit_heads SET seq = " + (head + ROWS) + ", hash = " + hash.formatted(head + ROWS, head + ROWS)
                    + " WHERE tenant_id = '" + TENANT + "'");
            c.commit();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void ndjsonAndCsvExportsOfMoreThanTheHeapStreamInASmallHeap() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String admin = adminAtAal2(http);

        // Both at once: two streams in the one small heap.
        long t0 = System.nanoTime();
        CompletableFuture<Export> ndjsonExport = CompletableFuture.supplyAsync(() -> export(http, admin, "ndjson"));
        CompletableFuture<Export> csvExport = CompletableFuture.supplyAsync(() -> export(http, admin, "csv"));
        Export ndjson;
        Export csv;
        try {
            // Bounds well above the reader's own (below), so that a slow export fails with the server's output, not a
            // bare timeout: on a machine loaded 12 times over its cores the two exports took more than 50 s.
            ndjson = ndjsonExport.get(200, TimeUnit.SECONDS);
            csv = csvExport.get(200, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("an export failed; the server " + (server.process().isAlive() ? "is up" : "ended") + ":\n" + tail(), e);
        }
        System.out.printf("AuditExportMemoryTest: NDJSON %,d bytes and CSV %,d bytes exported at once in %.1f s%n", ndjson.bytes(),
                csv.bytes(), (System.nanoTime() - t0) / 1e9);
        assertThat(ndjson.status()).isEqualTo(200);
        assertThat(ndjson.filled()).as("rows of the filled trail that arrived").isEqualTo(ROWS);
        assertThat(ndjson.bytes()).as("an NDJSON export larger than the server's heap").isGreaterThan(HEAP_MIB * 1024L * 1024);

        assertThat(csv.status()).isEqualTo(200);
        assertThat(csv.filled()).as("CSV rows of the filled trail that arrived").isEqualTo(ROWS);
        assertThat(csv.bytes()).as("a CSV export larger than the server's heap").isGreaterThan(HEAP_MIB * 1024L * 1024);

        assertThat(server.process().isAlive()).as("the server is still up:\n" + tail()).isTrue();
        assertThat(server.output().toString()).doesNotContain("OutOfMemoryError");
        // And it still answers, with the small heap it had all along.
        assertThat(call(http, "GET", base + "/v1/session", admin, null).path("aal").asInt()).isEqualTo(2);
    }

    private record Export(int status, long filled, long bytes) {}

    /**
     * Reads an export as it streams, counting bytes and the filled trail's rows (those of type patient.data_read: the
     * export may also carry the events this test's own requests wrote) and keeping nothing. Bounded: a stream that
     * stalls fails the test after 45 s instead of hanging it.
     */
    private static Export export(HttpClient http, String token, String format) {
        try {
            return exportOrFail(http, token, format);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Export exportOrFail(HttpClient http, String token, String format) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/admin/audit/export?format=" + format + "&tenant=" + TENANT))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        CompletableFuture<Export> read = CompletableFuture.supplyAsync(() -> {
            long rows = 0;
            long bytes = 0;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8), 1 << 16)) {
                for (String line; (line = r.readLine()) != null; ) {
                    bytes += line.length() + 1;
                    if (line.contains("patient.data_read")) {
                        rows++;
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return new Export(response.statusCode(), rows, bytes);
        });
        try {
            return read.get(150, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            response.body().close();
            throw new AssertionError("the " + format + " export did not finish within 150 s; server output:\n" + tail(), e);
        }
    }

    /** A session of the bootstrap administrator at aal 2 (MFA enrolled), as administrators must have. */
    private static String adminAtAal2(HttpClient http) throws Exception {
        JsonNode login = call(http, "POST", base + "/v1/auth/login", null, "{\"tenant\":\"system\",\"username\":\"admin\",\"password\":\""
                + TestWard.ADMIN_PASSWORD + "\"}");
        String enrol = login.path("token").asText();
        String secret = call(http, "POST", base + "/v1/me/mfa/totp/setup", enrol, "{}").path("secret").asText();
        return call(http, "POST", base + "/v1/me/mfa/totp/confirm", enrol,
                "{\"code\":\"" + IndependentTotp.at(secret, Instant.now()) + "\"}").path("token").asText();
    }

    private static JsonNode call(HttpClient http, String method, String url, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url + " " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static String tail() {
        String all = server.output().toString();
        return all.substring(Math.max(0, all.length() - 4000));
    }
}
