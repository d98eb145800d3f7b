package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.swing.text.MutableAttributeSet;
import javax.swing.text.html.HTML;
import javax.swing.text.html.HTMLEditorKit;
import javax.swing.text.html.parser.ParserDelegator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The landing page {@code /} and the console's files under {@code /console/} (issue 16 item 3): served from the jar
 * with the security headers and a policy that allows only Ward's own scripts and styles, no inline script, style or
 * handler in the HTML (parsed, not grepped), every module the console imports really served, and nothing else of
 * the jar reachable through the console's path. What the console does in a browser is {@link ConsoleBrowserTest}'s part.
 */
class ConsoleHttpTest {
    static TestWard w;

    @BeforeAll
    static void start() { w = new TestWard(); }

    @AfterAll
    static void stop() { w.close(); }

    @Test
    void theConsoleAndTheLandingPageAreHtmlUnderAPolicyThatAllowsOnlyWardsOwnScripts() {
        for (String path : List.of("/console/", "/")) {
            var r = w.get(path, null);
            assertThat(r.status()).as(path).isEqualTo(200);
            assertThat(r.header("Content-Type")).as(path).matches("text/html; ?charset=utf-8");
            String csp = r.header("Content-Security-Policy");
            assertThat(csp).as(path).contains("default-src 'none'", "script-src 'self'", "style-src 'self'",
                    "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "require-trusted-types-for 'script'")
                    .doesNotContain("unsafe-inline", "unsafe-eval", "*");
            assertThat(r.header("X-Content-Type-Options")).as(path).isEqualTo("nosniff");
            assertThat(r.header("X-Frame-Options")).as(path).isEqualTo("DENY");
            assertThat(r.header("Referrer-Policy")).as(path).isEqualTo("no-referrer");
            assertThat(r.header("Cross-Origin-Opener-Policy")).as(path).isEqualTo("same-origin");
        }
        assertThat(w.get("/", null).raw()).contains("href=\"/console/\"", "href=\"/openapi.json\"");
    }

    @Test
    void theHtmlHasNoInlineScriptStyleOrHandler() throws IOException {
        for (String path : List.of("/console/", "/")) {
            Html html = Html.parse(w.get(path, null).raw());
            assertThat(html.inline).as("inline script, style or handler in " + path).isEmpty();
            assertThat(html.stylesheets).as(path).containsExactly("/console/console.css");
        }
        assertThat(Html.parse(w.get("/console/", null).raw()).scripts).containsExactly("/console/app.js");
    }

    @Test
    void everyModuleTheConsoleImportsIsServedAsJavaScript() {
        Pattern imports = Pattern.compile("^import\\s[^;]*?from\\s+\"\\./([a-z-]+\\.js)\";", Pattern.MULTILINE);
        Set<String> seen = new LinkedHashSet<>();
        List<String> todo = new ArrayList<>(List.of("app.js"));
        while (!todo.isEmpty()) {
            String file = todo.remove(0);
            if (!seen.add(file)) {
                continue;
            }
            var r = w.get("/console/" + file, null);
            assertThat(r.status()).as(file).isEqualTo(200);
            assertThat(r.header("Content-Type")).as(file).isEqualTo("text/javascript; charset=utf-8");
            assertThat(r.raw()).as(file + ": text into the DOM only").doesNotContain("innerHTML", "outerHTML",
                    "insertAdjacentHTML", "document.write", "eval(");
            for (Matcher m = imports.matcher(r.raw()); m.find(); ) {
                todo.add(m.group(1));
            }
        }
        assertThat(seen).contains("app.js", "api.js", "dom.js", "login.js", "dashboard.js", "sessions.js", "users.js",
                "alerts.js", "audit.js", "tenants.js", "apikeys.js", "keys.js", "breakglass.js", "reports.js", "charts.js");
        var css = w.get("/console/console.css", null);
        assertThat(css.status()).isEqualTo(200);
        assertThat(css.header("Content-Type")).isEqualTo("text/css; charset=utf-8");
    }

    @Test
    void theModulesThatReadReportsSetNoTimer() {
        // Every read of the usage report is an audited export (decision 0039): with no timer in the modules that read
        // reports, each read is an opening of a page or a press of a button (ConsoleBrowserTest counts them).
        for (String file : List.of("dashboard.js", "charts.js", "reports.js")) {
            assertThat(w.get("/console/" + file, null).raw()).as(file)
                    .doesNotContain("setInterval", "setTimeout", "requestAnimationFrame", "requestIdleCallback");
        }
    }

    @Test
    void filesAreRevalidatedByTheirEtagAndCarryTheSecurityHeaders() {
        var r = w.get("/console/app.js", null);
        assertThat(r.header("Cache-Control")).isEqualTo("no-cache");
        assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(r.header("Content-Security-Policy")).isEqualTo("default-src 'none'; frame-ancestors 'none'");
        String etag = r.header("ETag");
        assertThat(etag).matches("\"[A-Za-z0-9_-]{22}\"");
        var again = w.send("GET", "/console/app.js", null, "If-None-Match", etag);
        assertThat(again.status()).isEqualTo(304);
        assertThat(again.raw()).isEmpty();
        assertThat(w.send("GET", "/console/", null, "If-None-Match", w.get("/console/", null).header("ETag")).status())
                .isEqualTo(304);
        assertThat(w.send("GET", "/console/app.js", null, "If-None-Match", "\"other\"").status()).isEqualTo(200);
    }

    @Test
    void theBarePathIsTheConsoleToo() {
        var r = w.get("/console", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.raw()).isEqualTo(w.get("/console/", null).raw());
    }

    @Test
    void anUnknownFileIsANotFoundProblem() {
        // landing.html and logback.xml exist in the jar, one of them next to the console's files: neither is a console file.
        for (String path : List.of("/console/nope.js", "/console/landing.html", "/console/logback.xml", "/console/index.htm",
                "/console/APP.JS")) {
            var r = w.get(path, null);
            assertThat(r.status()).as(path).isEqualTo(404);
            assertThat(r.header("Content-Type")).as(path).startsWith("application/problem+json");
            assertThat(r.code()).as(path).isEqualTo("not_found");
        }
    }

    @Test
    void noPathLeavesTheConsolesFiles() {
        // Encoded dot segments and separators never reach the file lookup (400), and the lookup is by name anyway.
        for (String path : List.of("/console/%2e%2e/", "/console/%2e%2e/openapi.json", "/console/..%2fopenapi.json",
                "/console/..%2Flogback.xml", "/console/%2E%2E%2Flogback.xml", "/console/..%5clogback.xml",
                "/console/.%2e/ward.js")) {
            var r = w.get(path, null);
            assertThat(r.status()).as(path).isIn(400, 404);
            assertThat(r.header("Content-Type")).as(path).startsWith("application/problem+json");
            assertThat(r.raw()).as(path).doesNotContain("<configuration", "\"openapi\"", "export class Ward");
        }
        // A literal .. is refused, or resolved before routing as a browser would (then it is /openapi.json itself, the
        // public document): never a file read through the console's route.
        var dots = w.get("/console/../openapi.json", null);
        if (dots.status() == 200) {
            assertThat(dots.raw()).isEqualTo(w.get("/openapi.json", null).raw());
        } else {
            assertThat(dots.status()).isIn(400, 404);
        }
        assertThat(w.get("/console/../logback.xml", null).status()).isIn(400, 404);
    }

    /** What the JDK's HTML parser finds: script and style-sheet addresses, and anything inline. */
    private static final class Html extends HTMLEditorKit.ParserCallback {
        final List<String> scripts = new ArrayList<>();
        final List<String> stylesheets = new ArrayList<>();
        final List<String> inline = new ArrayList<>();
        private boolean inScript;

        static Html parse(String text) throws IOException {
            Html html = new Html();
            new ParserDelegator().parse(new StringReader(text), html, true);
            return html;
        }

        @Override
        public void handleStartTag(HTML.Tag tag, MutableAttributeSet attrs, int pos) {
            element(tag, attrs);
            if (tag == HTML.Tag.SCRIPT) {
                inScript = true;
            }
        }

        @Override
        public void handleEndTag(HTML.Tag tag, int pos) {
            if (tag == HTML.Tag.SCRIPT) {
                inScript = false;
            }
        }

        @Override
        public void handleSimpleTag(HTML.Tag tag, MutableAttributeSet attrs, int pos) { element(tag, attrs); }

        @Override
        public void handleText(char[] data, int pos) {
            if (inScript && !new String(data).isBlank()) {
                inline.add("script body: " + new String(data));
            }
        }

        @Override
        public void handleComment(char[] data, int pos) {
            // The parser hands a script's body to older callers as a comment.
            if (inScript && !new String(data).isBlank()) {
                inline.add("script body: " + new String(data));
            }
        }

        private void element(HTML.Tag tag, MutableAttributeSet attrs) {
            if (tag == HTML.Tag.STYLE) {
                inline.add("<style>");
            }
            if (tag == HTML.Tag.SCRIPT) {
                Object src = attrs.getAttribute(HTML.Attribute.SRC);
                if (src == null) {
                    inline.add("<script> without src");
                } else {
                    scripts.add(src.toString());
                }
            }
            if (tag == HTML.Tag.LINK && "stylesheet".equals(String.valueOf(attrs.getAttribute(HTML.Attribute.REL)))) {
                stylesheets.add(String.valueOf(attrs.getAttribute(HTML.Attribute.HREF)));
            }
            for (var names = attrs.getAttributeNames(); names.hasMoreElements(); ) {
                Object key = names.nextElement();
                String name = key.toString().toLowerCase(java.util.Locale.ROOT);
                String value = String.valueOf(attrs.getAttribute(key)).strip().toLowerCase(java.util.Locale.ROOT);
                if (name.equals("style") || name.startsWith("on")) {
                    inline.add(tag + " " + name + "=");
                }
                if ((name.equals("href") || name.equals("src")) && value.startsWith("javascript:")) {
                    inline.add(tag + " javascript: URL");
                }
            }
        }
    }
}
