package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /ward.js} (issue 12 item 9): the browser library as a module any page may import, cacheable and
 * revalidated by its ETag, with the security headers of every answer, and small. What it does in a browser is
 * {@link WardJsBrowserTest}'s part.
 */
class WardJsHttpTest {
    static final String APP = "https://portal.stmarys.example";
    static TestWard w;

    @BeforeAll
    static void start() {
        w = new TestWard();
        w.createTenant("stmarys", Map.of("mfa", Map.of("required_roles", List.of()),
                "browser", Map.of("allowed_origins", List.of(APP))));
    }

    @AfterAll
    static void stop() { w.close(); }

    @Test
    void isServedAsAJavaScriptModuleThatAnyPageMayImport() throws IOException {
        var r = w.send("GET", "/ward.js", null, "Origin", "https://any.example");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("text/javascript; charset=utf-8");
        assertThat(r.raw()).contains("export class Ward").contains("static start(");
        assertThat(r.raw()).isEqualTo(resource());
        assertThat(r.header("Access-Control-Allow-Origin")).as("any page, without credentials").isEqualTo("*");
        assertThat(r.header("Access-Control-Allow-Credentials")).isNull();
        assertThat(r.header("Cross-Origin-Resource-Policy")).isEqualTo("cross-origin");
    }

    @Test
    void anOriginATenantAllowsStillGetsTheStarAndNoCredentials() {
        var r = w.send("GET", "/ward.js", null, "Origin", APP);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(r.header("Access-Control-Allow-Credentials")).isNull();
    }

    @Test
    void isCacheableAndRevalidatedByItsEtag() {
        var r = w.send("GET", "/ward.js", null);
        assertThat(r.header("Cache-Control")).isEqualTo("public, max-age=600");
        String etag = r.header("ETag");
        assertThat(etag).matches("\"[A-Za-z0-9_-]{22}\"");
        var again = w.send("GET", "/ward.js", null, "If-None-Match", etag);
        assertThat(again.status()).isEqualTo(304);
        assertThat(again.raw()).isEmpty();
        assertThat(again.header("Content-Type")).isNull();
        assertThat(again.header("ETag")).isEqualTo(etag);
        var stale = w.send("GET", "/ward.js", null, "If-None-Match", "\"something-older\"");
        assertThat(stale.status()).isEqualTo(200);
        assertThat(stale.raw()).isNotEmpty();
    }

    @Test
    void carriesTheSecurityHeadersOfEveryAnswer() {
        var r = w.send("GET", "/ward.js", null);
        assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(r.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(r.header("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(r.header("Content-Security-Policy")).contains("default-src 'none'");
    }

    /**
     * Small (API.md: ≤ 8 KB minified). Measured here the crude way — comments and indentation stripped, nothing
     * renamed — which overstates what a minifier makes of it, so the limit holds a fortiori.
     */
    @Test
    void staysSmallAndImportsNothing() throws IOException {
        String source = resource();
        StringBuilder stripped = new StringBuilder();
        for (String line : source.split("\n")) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("//") || t.startsWith("/**") || t.startsWith("*")) {
                continue;
            }
            int comment = t.indexOf(" // ");
            stripped.append(comment > 0 ? t.substring(0, comment) : t).append('\n');
        }
        int size = stripped.toString().getBytes(StandardCharsets.UTF_8).length;
        System.out.println("ward.js: " + source.getBytes(StandardCharsets.UTF_8).length + " bytes raw, " + size
                + " bytes without comments and indentation");
        assertThat(size).as("ward.js stripped of comments and indentation").isLessThanOrEqualTo(8 * 1024);
        assertThat(source).as("no dependencies").doesNotContainPattern("(?m)^\\s*import\\s");
        assertThat(source).doesNotContain("import(");
    }

    private static String resource() throws IOException {
        try (InputStream in = WardJsHttpTest.class.getResourceAsStream("/ward.js")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
