package dev.ward.example.portal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.server.TestWard;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The portal over plain HTTP, against a real Ward: what a browser test does not reach — escaping of everything
 * reflected, redirects that stay on the portal, forms posted from another site, bad input, unknown paths, and a Ward
 * that cannot be reached, and rotated tokens. The tenant requires no MFA here, so a password signs in.
 */
class ClinicPortalTest {
    static final String TENANT = "clinic";
    static final String HTML = "text/html,application/xhtml+xml";
    static final Pattern COOKIE = Pattern.compile("ward_session=([^;]*)");

    static TestWard w;
    static DemoSetup.Demo demo;
    static ClinicPortal portal;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        w = new TestWard();
        // Tokens rotate every third use, so every test also goes through the portal's hand-back of rotated tokens.
        w.createTenant(TENANT, Map.of("mfa", Map.of("required_roles", List.of()), "session", Map.of("rotate_after_uses", 3)));
        demo = new DemoSetup(w.base(), TENANT).run(w.adminToken());
        portal = ClinicPortal.start(new ClinicPortal.Settings(w.base(), demo.apiKey(), TENANT, "127.0.0.1", 0,
                Duration.ofSeconds(30), 120, 300));
    }

    @AfterAll
    static void stop() throws Exception {
        if (portal != null) {
            portal.close();
        }
        if (w != null) {
            w.close();
        }
    }

    @Test
    void aPatientPageWithoutASessionSendsTheBrowserToSignIn() {
        var r = get(portal, "/patients/pat-1001", null);
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(r.headers().firstValue("Location").orElseThrow()).endsWith("/login?next=%2Fpatients%2Fpat-1001");
        assertThat(r.headers().firstValue("Cache-Control")).contains("no-store");
    }

    @Test
    void everyPageHasAStrictPolicyAndNoInlineScript() {
        for (var r : List.of(get(portal, "/login", null), get(portal, "/patients/", signIn(DemoSetup.CLINICIAN, demo.clinicianPassword())))) {
            assertThat(r.statusCode()).isEqualTo(200);
            String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
            assertThat(csp).contains("script-src 'self'", "frame-ancestors 'none'").doesNotContain("unsafe");
            assertThat(r.headers().firstValue("Cache-Control")).contains("no-store");
            assertThat(r.headers().firstValue("X-Frame-Options")).contains("DENY");
            assertThat(r.body()).contains("<script type=\"module\" src=\"/static/portal.js\"></script>");
            assertThat(Pattern.compile("<script(?![^>]*\\ssrc=)").matcher(r.body()).find()).as("an inline script").isFalse();
        }
        var js = get(portal, "/static/ward.js", null);
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/javascript");
        assertThat(js.body()).contains("export class Ward");
    }

    @Test
    void reflectedValuesAreEscapedAndRedirectsStayOnThePortal() {
        String evil = "/patients/\"><script>alert(1)</script>";
        var login = get(portal, "/login?next=" + enc(evil) + "&signed_out=" + enc("<img src=x>"), null);
        assertThat(login.body()).contains("value=\"/patients/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\"")
                .doesNotContain("<script>alert", "<img src=x>", "id=\"notice\"");
        assertThat(get(portal, "/login?next=" + enc("//evil.example/x"), null).body()).contains("value=\"/patients/\"");

        var wrong = post(portal, "/login", null, Map.of("username", "<b>mallory</b>", "password", "nope", "next", "/patients/"));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).contains("Wrong username or password").doesNotContain("<b>mallory</b>");

        var in = post(portal, "/login", null, Map.of("username", DemoSetup.CLINICIAN, "password", demo.clinicianPassword(),
                "next", "//evil.example/x"));
        assertThat(in.statusCode()).isEqualTo(302);
        assertThat(in.headers().firstValue("Location").orElseThrow()).endsWith("/patients/").doesNotContain("evil");
    }

    @Test
    void aFormPostedFromAnotherSiteIsRefused() {
        String cookie = signIn(DemoSetup.CLINICIAN, demo.clinicianPassword());
        var crossSite = send(portal, "POST", "/logout", cookie, "", "Sec-Fetch-Site", "cross-site");
        assertThat(crossSite.statusCode()).isEqualTo(403);
        var foreignOrigin = send(portal, "POST", "/logout", cookie, "", "Origin", "http://evil.example");
        assertThat(foreignOrigin.statusCode()).isEqualTo(403);
        assertThat(get(portal, "/patients/", cookie).statusCode()).as("still signed in").isEqualTo(200);

        var own = send(portal, "POST", "/logout", cookie, "", "Sec-Fetch-Site", "same-origin", "Origin", "null");
        assertThat(own.statusCode()).isEqualTo(302);
        assertThat(own.headers().firstValue("Location").orElseThrow()).endsWith("/login?signed_out=logout");
        assertThat(own.headers().allValues("Set-Cookie")).anyMatch(c -> c.startsWith("ward_session=;") && c.contains("Expires=Thu, 01 Jan 1970"));
        assertThat(get(portal, "/patients/", cookie).statusCode()).as("the session is over in Ward").isEqualTo(302);
    }

    @Test
    void breakingTheGlassNeedsAReasonAndOnlyOutsideTheCareTeam() {
        String cookie = signIn(DemoSetup.CLINICIAN, demo.clinicianPassword());
        var asked = get(portal, "/patients/pat-1003", cookie);
        assertThat(asked.statusCode()).isEqualTo(403);
        assertThat(asked.body()).contains("name=\"reason\"").doesNotContain("latex");

        var tooShort = post(portal, "/patients/pat-1003", cookie, Map.of("reason", "urgent", "reason_code", "ETREAT"));
        assertThat(tooShort.statusCode()).isEqualTo(403);
        assertThat(tooShort.body()).contains("at least 10 characters").doesNotContain("latex");
        assertThat(breakGlassItems()).isZero();

        var broken = post(portal, "/patients/pat-1003", cookie, Map.of("reason", "Collapsed on the ward, treating now",
                "reason_code", "NOT-A-CODE"));
        assertThat(broken.statusCode()).isEqualTo(302);
        var chart = get(portal, "/patients/pat-1003", cookie);
        assertThat(chart.statusCode()).isEqualTo(200);
        assertThat(chart.body()).contains("id=\"break-glass\"", "latex");
        assertThat(breakGlassItems()).isEqualTo(1);

        String careTeam = signIn(DemoSetup.CARE_TEAM_MEMBER, demo.careTeamPassword());
        var own = get(portal, "/patients/pat-1003", careTeam);
        assertThat(own.statusCode()).isEqualTo(200);
        assertThat(own.body()).contains("latex").doesNotContain("id=\"break-glass\"");
        assertThat(breakGlassItems()).isEqualTo(1);
    }

    @Test
    void aRotatedTokenGoesBackToTheBrowserAsTheCookie() {
        String first = signIn(DemoSetup.CARE_TEAM_MEMBER, demo.careTeamPassword());
        String cookie = first;
        for (String id : List.of("pat-1001", "pat-1002", "pat-1001", "pat-1004", "pat-1003", "pat-1002")) {
            var r = get(portal, "/patients/" + id, cookie);
            assertThat(r.statusCode()).isEqualTo(200);
            cookie = latestCookie(r).orElse(cookie);
        }
        assertThat(cookie).as("rotated on the way").isNotEqualTo(first);
        w.clock.advance(Duration.ofSeconds(31)); // past session.rotation_grace_seconds: only the newest token is live
        assertThat(get(portal, "/patients/pat-1001", cookie).statusCode()).isEqualTo(200);
        assertThat(get(portal, "/patients/", first).statusCode()).as("the first token, rotated away").isEqualTo(302);
    }

    @Test
    void unknownPatientsAndPathsAreNotFound() {
        String cookie = signIn(DemoSetup.CARE_TEAM_MEMBER, demo.careTeamPassword());
        var unknown = get(portal, "/patients/" + enc("<img src=x onerror=alert(1)>"), cookie);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).doesNotContain("<img");
        assertThat(post(portal, "/patients/pat-9999/close", cookie, Map.of()).statusCode()).isEqualTo(404);
        assertThat(get(portal, "/static/../pom.xml", null).statusCode()).isIn(400, 404);
        assertThat(get(portal, "/static/portal.java", null).statusCode()).isEqualTo(404);
        assertThat(get(portal, "/elsewhere", null).statusCode()).isEqualTo(404);
        var bearer = send(portal, "GET", "/patients/pat-1004", null, null, "Authorization", "Bearer " + cookie.substring("ward_session=".length()));
        assertThat(bearer.statusCode()).as("a bearer instead of the cookie").isEqualTo(200);
    }

    @Test
    void whenWardCannotBeReachedNothingGetsThrough() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        try (ClinicPortal cut = ClinicPortal.start(new ClinicPortal.Settings("http://127.0.0.1:" + closed, demo.apiKey(),
                TENANT, "127.0.0.1", 0, Duration.ofSeconds(2), 120, 300))) {
            var page = get(cut, "/patients/", "ward_session=wst_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
            assertThat(page.statusCode()).isEqualTo(503);
            var login = post(cut, "/login", null, Map.of("username", DemoSetup.CLINICIAN, "password", demo.clinicianPassword()));
            assertThat(login.statusCode()).isEqualTo(503);
            assertThat(login.body()).contains("unavailable");
            assertThat(login.headers().allValues("Set-Cookie")).isEmpty();
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    /** Signs in through the portal's form and returns the cookie header for the session. */
    static String signIn(String username, String password) {
        var r = post(portal, "/login", null, Map.of("username", username, "password", password, "next", "/patients/"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(302);
        Matcher m = COOKIE.matcher(r.headers().firstValue("Set-Cookie").orElseThrow());
        assertThat(m.find()).isTrue();
        return "ward_session=" + m.group(1);
    }

    /** The session cookie the answer sets last, if it sets one with a token. */
    static java.util.Optional<String> latestCookie(HttpResponse<String> r) {
        String out = null;
        for (String c : r.headers().allValues("Set-Cookie")) {
            Matcher m = COOKIE.matcher(c);
            if (m.find() && !m.group(1).isEmpty()) {
                out = "ward_session=" + m.group(1);
            }
        }
        return java.util.Optional.ofNullable(out);
    }

    static int breakGlassItems() {
        return w.get("/v1/admin/break-glass?tenant=" + TENANT + "&status=open", w.adminToken()).json().path("break_glass").size();
    }

    static HttpResponse<String> get(ClinicPortal to, String path, String cookie) {
        return send(to, "GET", path, cookie, null);
    }

    static HttpResponse<String> post(ClinicPortal to, String path, String cookie, Map<String, String> form) {
        StringBuilder body = new StringBuilder();
        form.forEach((k, v) -> body.append(body.isEmpty() ? "" : "&").append(enc(k)).append('=').append(enc(v)));
        return send(to, "POST", path, cookie, body.toString(), "Content-Type", "application/x-www-form-urlencoded");
    }

    static HttpResponse<String> send(ClinicPortal to, String method, String path, String cookie, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(to.url() + path)).timeout(Duration.ofSeconds(30))
                .header("Accept", HTML).header("User-Agent", "Mozilla/5.0 portal test")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }
}
