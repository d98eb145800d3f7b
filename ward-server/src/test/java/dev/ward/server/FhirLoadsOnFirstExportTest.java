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
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * HAPI FHIR is heavy (issue 11, item 6): a server started in its own JVM, asked to log in, show a session and export
 * NDJSON, has loaded none of HAPI's classes; the first FHIR export loads them. The JVM's class-loading log tells.
 */
class FhirLoadsOnFirstExportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HAPI = "ca.uhn.fhir.context.FhirContext";

    @Test
    void startUpLoginAndSessionsNeverLoadHapiTheFirstFhirExportDoes() throws Exception {
        Path data = Files.createTempDirectory("ward-fhir-lazy");
        try (WardProcess.Server server = WardProcess.serve(Map.of("WARD_BOOTSTRAP_ADMIN_PASSWORD", TestWard.ADMIN_PASSWORD),
                List.of("-Xlog:class+load=info:stdout"), 90, "--data-dir", data.toString())) {
            StringBuffer output = server.output();
            String base = server.base();
            HttpClient http = HttpClient.newHttpClient();
            JsonNode login = call(http, "POST", base + "/v1/auth/login", null, "{\"tenant\":\"system\",\"username\":\"admin\",\"password\":\""
                    + TestWard.ADMIN_PASSWORD + "\"}");
            String enrol = login.path("token").asText();
            String secret = call(http, "POST", base + "/v1/me/mfa/totp/setup", enrol, "{}").path("secret").asText();
            String admin = call(http, "POST", base + "/v1/me/mfa/totp/confirm", enrol,
                    "{\"code\":\"" + IndependentTotp.at(secret, Instant.now()) + "\"}").path("token").asText();
            assertThat(call(http, "GET", base + "/v1/session", admin, null).path("aal").asInt()).isEqualTo(2);
            assertThat(text(http, base + "/v1/admin/audit/export?format=ndjson", admin)).contains("login.succeeded");
            assertThat(text(http, base + "/v1/admin/audit/export?format=csv", admin)).contains("login.succeeded");

            List<String> before = loaded(output);
            int first = before.stream().filter(c -> c.startsWith("ca.uhn.fhir.") || c.startsWith("org.hl7.fhir.")).findFirst().map(before::indexOf).orElse(-1);
            assertThat(first).as("HAPI loaded before any FHIR export, after: %s",
                    first < 0 ? "" : before.subList(Math.max(0, first - 25), first + 1)).isEqualTo(-1);

            assertThat(text(http, base + "/v1/admin/audit/export?format=fhir", admin)).startsWith("{\"resourceType\":\"Bundle\"");
            assertThat(loaded(output)).as("the FHIR export loads HAPI").contains(HAPI);
        }
    }

    /** Class names the JVM logged as loaded so far. */
    private static List<String> loaded(StringBuffer output) {
        return output.toString().lines().filter(l -> l.contains("[class,load]"))
                .map(l -> l.replaceAll("^.*\\[class,load\\] (\\S+).*$", "$1")).toList();
    }

    private static JsonNode call(HttpClient http, String method, String url, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url + " " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static String text(HttpClient http, String url, String token) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url + " " + r.body()).isEqualTo(200);
        return r.body();
    }
}
