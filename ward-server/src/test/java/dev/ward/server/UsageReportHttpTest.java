package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/admin/reports/usage} (issue 16 item 2, C9): per UTC day, logins by outcome, sessions, distinct users,
 * durations and peak concurrency, from the trail alone, as JSON and RFC 4180 CSV; a tenant administrator's own only.
 */
class UsageReportHttpTest {
    static final String PASSWORD = "Usage-Right-Pass-9!";

    @Test
    void twoDaysOfLoginsAndSessionsAreCountedPerDay() {
        try (TestWard w = new TestWard()) {
            w.clock.set(Instant.parse("2026-11-10T08:00:00Z"));
            w.createTenant("clinic", Map.of("mfa", Map.of("required_roles", List.of())));
            w.createUser("clinic", "nurse", PASSWORD, "staff");
            w.createUser("clinic", "doctor", PASSWORD, "provider");
            String a = w.login("clinic", "nurse", PASSWORD);
            String b = w.login("clinic", "doctor", PASSWORD);
            w.login("clinic", "nurse", PASSWORD); // a second session of the nurse: three alive at once
            w.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", "clinic", "username", "nurse", "password", "wrong")));
            w.clock.advance(Duration.ofMinutes(10));
            var out = w.post("/v1/auth/logout", null, a);
            assertThat(out.status()).as(out.raw()).isEqualTo(204);     // 600 s
            w.clock.advance(Duration.ofMinutes(15));
            assertThat(w.post("/v1/auth/logout", null, b).status()).isEqualTo(204);     // 1500 s
            w.clock.set(Instant.parse("2026-11-11T09:00:00Z"));
            w.login("clinic", "doctor", PASSWORD);

            var r = w.get("/v1/admin/reports/usage?tenant=clinic&from=2026-11-10T00:00:00Z&to=2026-11-12T00:00:00Z", w.adminToken());
            assertThat(r.status()).as(r.raw()).isEqualTo(200);
            JsonNode days = r.json().path("days");
            assertThat(days).hasSize(2);
            JsonNode first = days.get(0);
            assertThat(first.path("date").asText()).isEqualTo("2026-11-10");
            assertThat(first.path("logins").path("succeeded").asInt()).isEqualTo(3);
            assertThat(first.path("logins").path("failed").asInt()).isEqualTo(1);
            assertThat(first.path("sessions").asInt()).isEqualTo(3);
            assertThat(first.path("distinct_users").asInt()).isEqualTo(2);
            assertThat(first.path("duration_seconds").path("sessions_ended").asInt()).isEqualTo(2);
            assertThat(first.path("duration_seconds").path("median").asLong()).isEqualTo(600);
            assertThat(first.path("duration_seconds").path("p95").asLong()).isEqualTo(1500);
            assertThat(first.path("peak_concurrency").asInt()).isEqualTo(3);
            JsonNode second = days.get(1);
            assertThat(second.path("logins").path("succeeded").asInt()).isEqualTo(1);
            assertThat(second.path("distinct_users").asInt()).isEqualTo(1);
            assertThat(second.path("duration_seconds").path("median").isNull()).isTrue();
            assertThat(second.path("peak_concurrency").asInt()).as("the nurse's second session, still alive, and the new one")
                    .isEqualTo(2);

            var csv = w.get("/v1/admin/reports/usage?tenant=clinic&from=2026-11-10T00:00:00Z&to=2026-11-12T00:00:00Z&format=csv",
                    w.adminToken());
            assertThat(csv.header("Content-Type")).startsWith("text/csv");
            assertThat(csv.raw()).startsWith("date,logins_succeeded,logins_failed,logins_mfa_required,sessions,distinct_users,"
                    + "sessions_ended,median_duration_seconds,p95_duration_seconds,peak_concurrency\r\n")
                    .contains("2026-11-10,3,1,0,3,2,2,600,1500,3\r\n").contains("2026-11-11,1,0,0,1,1,0,,,2\r\n");
            assertThat(csv.header("Content-Disposition")).isEqualTo("attachment; filename=\"ward-usage-clinic.csv\"");

            var html = w.get("/v1/admin/reports/usage?tenant=clinic&from=2026-11-10T00:00:00Z&to=2026-11-12T00:00:00Z&format=html",
                    w.adminToken());
            assertThat(html.status()).as(html.raw()).isEqualTo(200);
            assertThat(html.header("Content-Type")).startsWith("text/html").containsIgnoringCase("charset=utf-8");
            assertThat(html.header("Content-Security-Policy")).isEqualTo(dev.ward.report.ReportHtml.CONTENT_SECURITY_POLICY);
            assertThat(html.header("Content-Disposition")).isEqualTo("inline; filename=\"ward-usage-clinic.html\"");
            assertThat(html.raw()).contains("<dd>clinic</dd>")
                    .contains("<tr><th scope=\"row\"><time datetime=\"2026-11-10\">2026-11-10</time></th><td class=\"num\">3</td>"
                            + "<td class=\"num\">1</td><td class=\"num\">0</td><td class=\"num\">3</td><td class=\"num\">2</td>"
                            + "<td class=\"num\">2</td><td class=\"num\">600</td><td class=\"num\">1500</td><td class=\"num\">3</td></tr>");
            assertThat(r.json().path("generated_at").asText()).isEqualTo("2026-11-11T09:00:00Z");

            JsonNode recorded = w.get("/v1/admin/audit?tenant=clinic&type=audit.exported", w.adminToken()).json().path("events");
            assertThat(recorded).anySatisfy(e -> assertThat(e.path("details").path("format").asText()).isEqualTo("usage_report"));
        }
    }

    @Test
    void theCommandWritesTheSameReportToAFile() throws Exception {
        try (TestWard w = new TestWard()) {
            w.clock.set(Instant.now()); // the CLI runs on the real clock
            w.createTenant("clinic", Map.of("mfa", Map.of("required_roles", List.of())));
            w.createUser("clinic", "nurse", PASSWORD, "staff");
            w.login("clinic", "nurse", PASSWORD);
            java.nio.file.Path out = w.dataDir.resolve("usage.csv");
            String today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
            String tomorrow = java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(1).toString();
            var run = dev.ward.server.cli.WardCli.run("report", "usage", "--tenant", "clinic", "--from", today, "--to", tomorrow,
                    "--format", "csv", "--output", out.toString(), "--data-dir", w.dataDir.toString());
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(java.nio.file.Files.readString(out)).startsWith("date,logins_succeeded,").contains(today + ",1,0,0,1,1,");
            var bad = dev.ward.server.cli.WardCli.run("report", "usage", "--tenant", "clinic", "--from", "last week",
                    "--data-dir", w.dataDir.toString());
            assertThat(bad.exit()).isEqualTo(2);
            assertThat(bad.err()).contains("--from must be a date");
        }
    }

    @Test
    void badPeriodsAndOtherTenantsAreRefused() {
        try (TestWard w = new TestWard()) {
            w.createTenant("clinic");
            String admin = w.adminToken();
            assertThat(w.get("/v1/admin/reports/usage?tenant=clinic&from=2026-11-12T00:00:00Z&to=2026-11-10T00:00:00Z", admin)
                    .text("field")).isEqualTo("to");
            assertThat(w.get("/v1/admin/reports/usage?tenant=clinic&from=2020-01-01T00:00:00Z&to=2026-11-10T00:00:00Z", admin)
                    .text("field")).isEqualTo("from");
            assertThat(w.get("/v1/admin/reports/usage?tenant=clinic&from=yesterday", admin).code()).isEqualTo("validation_failed");
            assertThat(w.get("/v1/admin/reports/usage?tenant=clinic&format=pdf", admin).text("field")).isEqualTo("format");
            assertThat(w.get("/v1/admin/reports/usage?tenant=clinic&format=HTML", admin).text("field")).isEqualTo("format");
            assertThat(w.get("/v1/admin/reports/usage?tenant=nowhere", admin).code()).isEqualTo("tenant_not_found");
            assertThat(w.get("/v1/admin/reports/usage?tenant=clinic", null).status()).isEqualTo(401);
        }
    }
}
