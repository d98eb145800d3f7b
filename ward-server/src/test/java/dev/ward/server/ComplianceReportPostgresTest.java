package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The compliance report in production mode on PostgreSQL: the same rows and verdicts as embedded, and the transmission row
 * judges the production deployment itself — here a database URL that does not require TLS.
 */
class ComplianceReportPostgresTest {
    @Test
    void onPostgresOnlyTheDatabaseLinkWithoutTlsNeedsAttention() throws Exception {
        try (PostgresSchema schema = PostgresSchema.create("ComplianceReportPostgresTest");
             TestWard w = TestWard.configured(schema.url(), ComplianceReportHttpTest.MASTER_KEY, Optional.empty(),
                     c -> c.withPublicUrl(Optional.of("https://ward.example")).withTrustedProxies(List.of("10.0.0.0/8")))) {
            ComplianceReportHttpTest.Clinic c = ComplianceReportHttpTest.wellRun(w);
            JsonNode r = ComplianceReportHttpTest.report(w, c.admin(), ComplianceReportHttpTest.T.minusSeconds(3600),
                    ComplianceReportHttpTest.T.plusSeconds(3600));
            assertThat(ComplianceReportHttpTest.verdicts(r)).containsOnlyKeys(ComplianceReportHttpTest.REFERENCES)
                    .allSatisfy((ref, verdict) -> assertThat(verdict).as(ref + ": "
                            + ComplianceReportHttpTest.row(r, ref).path("reason").asText())
                            .isEqualTo(ref.equals("§164.312(e)(1)") ? "attention" : "pass"));
            JsonNode transmission = ComplianceReportHttpTest.row(r, "§164.312(e)(1)");
            assertThat(transmission.path("reason").asText()).isEqualTo("The link to PostgreSQL does not require TLS (sslmode in "
                    + "WARD_DATABASE_URL): the audit trail's user and patient identifiers cross it.");
            assertThat(transmission.path("evidence").path("production_mode").asBoolean()).isTrue();
            assertThat(transmission.path("evidence").path("database_link").asText()).isEqualTo("tls_not_required");

            // A policy change's values as PostgreSQL gives them back: the row sees the looser timeout.
            assertThat(w.patch("/v1/admin/tenants/clinic", TestWard.json(java.util.Map.of("policy", java.util.Map.of("session",
                    java.util.Map.of("idle_timeout_seconds", 7200)))), c.admin()).status()).isEqualTo(200);
            JsonNode changed = ComplianceReportHttpTest.row(ComplianceReportHttpTest.report(w, c.admin(),
                    ComplianceReportHttpTest.T.minusSeconds(3600), ComplianceReportHttpTest.T.plusSeconds(3600)), "§170.315(d)(5)");
            assertThat(changed.path("reason").asText()).startsWith("The session idle timeout was 2 hours for part of the period");
            assertThat(changed.path("policy_changes").get(0).path("settings").path("session.idle_timeout_seconds")
                    .path("from").asLong()).isEqualTo(1800);
        }
    }
}
