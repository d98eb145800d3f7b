package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Attacks on the usage report and the audit reads beside it (review16): another tenant's report, periods and times at
 * the edges of what a time can be, and whether each read is in the trail.
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
}
