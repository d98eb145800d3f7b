package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Attacks on the admin console and the administrator's cookie it runs on (review16). The console's own headers, paths
 * and a first injection are {@link ConsoleHttpTest}'s and {@link ConsoleBrowserTest}'s; this is what an attacker tries
 * beyond them. {@link ConsoleAttackBrowserTest} does it in Chromium.
 */
class ConsoleAttackTest {
    static final String PASSWORD = "Console-Attack-Pass-9!";

    /**
     * The cookie is {@code SameSite=Strict}, which a sibling subdomain is not stopped by: a page on
     * {@code app.hospital.example} can put {@code <img src="https://ward.hospital.example/v1/admin/audit/export">} in
     * front of a signed-in administrator, whose browser then sends the cookie with {@code Sec-Fetch-Site: same-site}
     * and no {@code Origin}. Nothing is read by that page, but each such read is recorded in the administrator's name
     * (an export of the trail they never made, in the trail a compliance officer reads) and costs a full read of it.
     */
    @Test
    void anotherSitesPageCannotMakeAnAdministratorsBrowserReadTheTrailInTheirName() {
        try (TestWard w = new TestWard()) {
            w.createTenant("clinic", Map.of("mfa", Map.of("required_roles", List.of())));
            w.createUser("clinic", "boss", PASSWORD, "admin");
            String cookie = "ward_session=" + w.login("clinic", "boss", PASSWORD);
            long exportsBefore = exports(w);
            for (String site : List.of("same-site", "cross-site")) {
                for (String path : List.of("/v1/admin/audit/export?tenant=clinic", "/v1/admin/audit?tenant=clinic",
                        "/v1/admin/audit/verify?tenant=clinic", "/v1/admin/reports/usage?tenant=clinic",
                        "/v1/admin/tenants/clinic/users")) {
                    var r = w.send("GET", path, null, "Cookie", cookie, "Sec-Fetch-Site", site, "Sec-Fetch-Mode", "no-cors",
                            "Sec-Fetch-Dest", "image");
                    assertThat(r.status()).as(site + " " + path + ": " + r.raw()).isEqualTo(403);
                    assertThat(r.code()).isEqualTo("origin_not_allowed");
                }
            }
            assertThat(exports(w)).as("audit.exported in the administrator's name").isEqualTo(exportsBefore);
            // The console (same origin), a typed address or bookmark (none), a client without fetch metadata, and a
            // bearer token are what administrators use; all still read.
            for (String[] headers : List.of(new String[] {"Sec-Fetch-Site", "same-origin"}, new String[] {"Sec-Fetch-Site", "none"},
                    new String[] {"X-Nothing", "x"})) {
                var r = w.send("GET", "/v1/admin/audit/export?tenant=clinic", null, "Cookie", cookie, headers[0], headers[1]);
                assertThat(r.status()).as(String.join(": ", headers) + " " + r.raw()).isEqualTo(200);
            }
            assertThat(w.get("/v1/admin/audit?tenant=clinic", w.login("clinic", "boss", PASSWORD)).status()).isEqualTo(200);
        }
    }

    /** A page of an origin the tenant allows (a CORS fetch carries its Origin) reads as before. */
    @Test
    void anAllowedOriginsFetchStillReads() {
        try (TestWard w = new TestWard()) {
            w.createTenant("clinic", Map.of("mfa", Map.of("required_roles", List.of()),
                    "browser", Map.of("allowed_origins", List.of("https://portal.clinic.example"))));
            w.createUser("clinic", "boss", PASSWORD, "admin");
            String cookie = "ward_session=" + w.login("clinic", "boss", PASSWORD);
            var allowed = w.send("GET", "/v1/admin/audit?tenant=clinic", null, "Cookie", cookie, "Sec-Fetch-Site", "same-site",
                    "Origin", "https://portal.clinic.example");
            assertThat(allowed.status()).as(allowed.raw()).isEqualTo(200);
            var other = w.send("GET", "/v1/admin/audit?tenant=clinic", null, "Cookie", cookie, "Sec-Fetch-Site", "same-site",
                    "Origin", "https://blog.clinic.example");
            assertThat(other.status()).as(other.raw()).isEqualTo(403);
            // Reads outside the admin API (an app's page showing the session) are not held to this.
            var session = w.send("GET", "/v1/session", null, "Cookie", cookie, "Sec-Fetch-Site", "same-site");
            assertThat(session.status()).as(session.raw()).isEqualTo(200);
        }
    }

    private static long exports(TestWard w) {
        return w.get("/v1/admin/audit?tenant=clinic&type=audit.exported&limit=1000", w.adminToken()).json().path("events").size();
    }
}
