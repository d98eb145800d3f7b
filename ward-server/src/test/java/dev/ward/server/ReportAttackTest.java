package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Attacks on the usage report and the audit reads beside it (review16): another tenant's report, periods and times at
 * the edges of what a time can be, and whether each read is in the trail. Then (attack13) the patient-access and
 * compliance reports: patient ids no patient can have, and cookie reads by other sites' pages through spellings of the path.
 */
class ReportAttackTest {
    static final String PASSWORD = "Report-Attack-Pass-9!";

    @Test
    void aTenantAdministratorGetsNoOtherTenantsReportAndTheAttemptIsAudited() {
        try (TestWard w = new TestWard()) {
            w.createTenant("clinic", Map.of("mfa", Map.of("required_roles", List.of())));
            w.createTenant("rival", Map.of("mfa", Map.of("required_roles", List.of())));
            w.createUser("clinic", "boss", PASSWORD, "admin");
            String boss = w.login("clinic", "boss", PASSWORD);
            for (String tenant : List.of("rival", "system", "no-such-tenant", "RIVAL", "rival%00", "clinic,rival")) {
                var r = w.get("/v1/admin/reports/usage?tenant=" + tenant, boss);
                assertThat(r.status()).as(tenant + ": " + r.raw()).isIn(400, 403);
                assertThat(r.raw()).doesNotContain("\"days\"");
            }
            var other = w.get("/v1/admin/reports/usage?tenant=rival&format=csv", boss);
            assertThat(other.status()).isEqualTo(403);
            assertThat(other.raw()).doesNotContain("date,logins_succeeded");
            var own = w.get("/v1/admin/reports/usage", boss);
            assertThat(own.status()).as(own.raw()).isEqualTo(200);
            assertThat(own.json().path("tenant").asText()).as("no tenant named: the caller's own").isEqualTo("clinic");
            var denied = w.get("/v1/admin/audit?tenant=clinic&type=security.cross_tenant_denied", w.adminToken());
            assertThat(denied.json().path("events").size()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void timesAtTheEdgesOfTheCalendarAreRefusedNotAnInternalError() {
        try (TestWard w = new TestWard()) {
            edgesOfTheCalendar(w);
        }
    }

    @Test
    void timesAtTheEdgesOfTheCalendarAreRefusedNotAnInternalErrorOnPostgres() throws Exception {
        try (PostgresSchema schema = PostgresSchema.create("ReportAttackTest");
             TestWard w = TestWard.onPostgres(schema.url(), java.util.Base64.getEncoder()
                     .encodeToString(dev.ward.crypto.Secrets.randomBytes(32)))) {
            edgesOfTheCalendar(w);
        }
    }

    private static void edgesOfTheCalendar(TestWard w) {
        w.createTenant("clinic", Map.of("mfa", Map.of("required_roles", List.of())));
        String admin = w.adminToken();
        String min = "-1000000000-01-01T00:00:00Z";
        String max = "%2B1000000000-12-31T23:59:59.999999999Z";
        String ancient = "-0044-03-15T00:00:00Z";
        for (String query : List.of("from=" + min + "&to=-1000000000-01-02T00:00:00Z", "to=" + min, "from=" + min,
                "from=%2B999999999-01-01T00:00:00Z&to=" + max, "to=" + max, "from=0001-01-01T00:00:00Z",
                "from=" + ancient + "&to=-0044-03-16T00:00:00Z")) {
            for (String path : List.of("/v1/admin/reports/usage", "/v1/admin/reports/compliance", "/v1/admin/audit",
                    "/v1/admin/audit/export")) {
                var r = w.get(path + "?tenant=clinic&" + query, admin);
                assertThat(r.status()).as(path + "?" + query + ": " + r.raw()).isIn(200, 400);
                if (r.status() == 400) {
                    assertThat(r.code()).isEqualTo("validation_failed");
                }
            }
        }
    }

    /**
     * A patient-access report for an id no event can name (markup, a right-to-left override, a trailing space beside a
     * real id, a look-alike letter, an emoji, a noncharacter, what a lone surrogate decodes to) used to answer an empty
     * accounting and record its reading with that id as the event's patient, into the hash-chained trail for good
     * (attack13). It is refused before anything is read or recorded; every id an app may record still reports.
     */
    @Test
    void aPatientIdNoPatientCanHaveIsRefusedAndNeverReachesTheTrail() {
        try (TestWard w = new TestWard()) {
            w.createTenant("clinic", Map.of("mfa", Map.of("required_roles", List.of())));
            w.createUser("clinic", "boss", PASSWORD, "admin");
            String boss = w.login("clinic", "boss", PASSWORD);
            String admin = w.adminToken();
            for (String id : List.of("%3Cscript%3Ealert(1)%3C%2Fscript%3E", "%E2%80%AEvip-1", "vip-1%20", "%D0%B2ip-1",
                    "%F0%9F%98%80", "x%EF%BF%BE", "%ED%A0%80", "a'b", "vip%2C1", "%3D1%2B1")) {
                var r = w.get("/v1/admin/reports/patient-access?patient_id=" + id, boss);
                assertThat(r.status()).as(id + ": " + r.raw()).isEqualTo(400);
                assertThat(r.code()).isEqualTo("validation_failed");
                assertThat(r.text("field")).isEqualTo("patient_id");
            }
            assertThat(w.get("/v1/admin/audit?tenant=clinic&type=audit.exported", admin).json().path("events"))
                    .as("a refused report reads nothing and records nothing").isEmpty();
            for (String id : List.of("vip-1", "urn:oid:1.2.3", "Patient%2F42", "a_b.c")) {
                var r = w.get("/v1/admin/reports/patient-access?patient_id=" + id, boss);
                assertThat(r.status()).as(id + ": " + r.raw()).isEqualTo(200);
            }
            assertThat(w.get("/v1/admin/audit?tenant=clinic&type=audit.exported", admin).json().path("events")).hasSize(4);
        }
    }

    /**
     * Decision 0041's guard on cookie reads of the admin API keys on the path: a spelling of a report's path that a
     * router might take for it but that does not start with /v1/admin/ (an encoded letter, a path parameter, a doubled
     * or dot segment, another case) would pass the guard. None reaches a route: each is a 404, the real path with a
     * trailing slash is refused like the real one, and without fetch metadata (not a browser) both are answered.
     */
    @Test
    void anotherSitesPageCannotReadAReportThroughAnotherSpellingOfItsPath() {
        try (TestWard w = new TestWard()) {
            w.createTenant("clinic", Map.of("mfa", Map.of("required_roles", List.of())));
            w.createUser("clinic", "boss", PASSWORD, "admin");
            String boss = w.login("clinic", "boss", PASSWORD);
            String[] crossSite = {"Cookie", "ward_session=" + boss, "Sec-Fetch-Site", "same-site", "Sec-Fetch-Mode", "navigate"};
            for (String report : List.of("compliance?format=html", "usage?format=csv", "patient-access?patient_id=vip-1")) {
                for (String path : List.of("/v1/admin/reports/" + report, "/v1/admin/reports/" + report.replace("?", "/?"))) {
                    var r = w.send("GET", path, null, crossSite);
                    assertThat(r.status()).as(path).isEqualTo(403);
                    assertThat(r.code()).isEqualTo("origin_not_allowed");
                    assertThat(w.send("GET", path, null, "Cookie", "ward_session=" + boss).status()).as(path).isEqualTo(200);
                }
                for (String path : List.of("/v1//admin/reports/", "//v1/admin/reports/", "/v1/admin/./reports/",
                        "/v1;x/admin/reports/", "/v1/admin;x/reports/", "/v1/%61dmin/reports/", "/V1/admin/reports/",
                        "/v1/x/../admin/reports/", "/v1/admin/reports/%2e/")) {
                    var r = w.send("GET", path + report, null, crossSite);
                    assertThat(r.status()).as(path + report + ": " + r.raw()).isIn(400, 404);
                }
            }
        }
    }
}
