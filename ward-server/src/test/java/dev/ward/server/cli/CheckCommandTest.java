package dev.ward.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.crypto.Secrets;
import dev.ward.server.DataDirectory;
import dev.ward.server.TestWard;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/** {@code ward check} on real data: stores, and warnings that name what to fix. */
class CheckCommandTest {
    @Test
    void reportsTheEmbeddedDatabaseAndWarnsAboutDevelopmentSettings() {
        try (TestWard w = new TestWard()) {
            w.createTenant("lax");
            w.patch("/v1/admin/tenants/lax", "{\"policy\":{\"session\":{\"idle_timeout_seconds\":28800,\"binding\":\"off\"},"
                    + "\"login\":{\"max_failures\":50},\"mfa\":{\"challenge_max_failures\":20,\"challenge_seconds\":1800},"
                    + "\"keys\":{\"rotate_after_seconds\":31536000},"
                    + "\"rate_limit\":{\"per_minute\":5,\"per_ip_per_minute\":100,\"per_api_key_per_minute\":600},"
                    + "\"alerts\":{\"webhook_url\":\"http://169.254.169.254/latest\",\"webhook_secret\":\"whsec-0123456789abcdef\"}}}",
                    w.adminToken());
            var r = CleanupCommandTest.ward("check", "--data-dir", w.dataDir.toString(), "--host", "0.0.0.0");
            assertThat(r.exit()).as(r.out() + r.err()).isZero();
            assertThat(r.out()).contains("Mode: embedded").contains("answers")
                    .contains("development key file")
                    .contains("WARD_COOKIE_SECURE")
                    .contains("tenant lax: session.idle_timeout_seconds is 28800")
                    .contains("tenant lax: session.binding is off")
                    .contains("tenant lax: login.max_failures is 50")
                    .contains("tenant lax: mfa.challenge_max_failures is 20")
                    .contains("tenant lax: mfa.challenge_seconds is 1800")
                    .contains("tenant lax: keys.rotate_after_seconds is 31536000")
                    .contains("tenant lax: mfa.required_roles is empty")
                    .contains("tenant lax: rate_limit.per_minute is 5")
                    .contains("tenant lax: rate_limit.per_ip_per_minute is 100")
                    .contains("tenant lax: rate_limit.per_api_key_per_minute is 600")
                    .contains("Alert webhooks reach: public addresses only")
                    .contains("tenant lax: alerts.webhook_url does not resolve to a public address or one in WARD_ALERTS_WEBHOOK_NETWORKS");
            // TestWard requires MFA of nobody, so that is the system tenant's one warning.
            assertThat(r.out().lines().filter(l -> l.contains("tenant system:")))
                    .containsExactly("  WARNING: tenant system: mfa.required_roles is empty; no role must use MFA");
            var strict = CleanupCommandTest.ward("check", "--data-dir", w.dataDir.toString(), "--strict");
            assertThat(strict.exit()).isEqualTo(1);
        }
    }

    @Test
    void saysWhenThereIsNoDatabaseYet() throws Exception {
        var r = CleanupCommandTest.ward("check", "--data-dir", Files.createTempDirectory("fresh").toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("no embedded database yet");
    }

    @Test
    void aWrongDatabasePasswordIsNamedAsSuch() throws Exception {
        Path dir;
        try (TestWard w = new TestWard()) {
            dir = w.dataDir;
            w.ward.close();
            Path file = dir.resolve(DataDirectory.DATABASE_PASSWORD_FILE);
            String right = Files.readString(file);
            Files.writeString(file, Secrets.newToken("", 32) + "\n");
            var r = CleanupCommandTest.ward("check", "--data-dir", dir.toString());
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.out()).contains("Database: H2 " + dir.resolve("ward.mv.db") + " — FAILS: database is unavailable: "
                    + "authentication failed (" + file + " does not hold the embedded database's password)");
            Files.writeString(file, right);
        }
    }

    @Test
    void anOldEmbeddedDatabaseIsReportedAsItIsAndLeftSo() throws Exception {
        Path dir = Files.createTempDirectory("check-old");
        String url = "jdbc:h2:file:" + dir.resolve("ward") + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;AUTO_SERVER=TRUE";
        // A database from before V5 and before the embedded database had a password.
        Flyway.configure().dataSource(url, "", "").locations("classpath:db/migration").target("4").load().migrate();
        Files.writeString(dir.resolve("master.key"), java.util.Base64.getEncoder().encodeToString(Secrets.randomBytes(32)) + "\n");

        int pending = Flyway.configure().dataSource(url, "", "").locations("classpath:db/migration").load().info().pending().length;

        var r = CleanupCommandTest.ward("check", "--data-dir", dir.toString());
        assertThat(r.out()).as(r.out() + r.err()).contains("— answers").contains("Schema: " + pending + " migration(s) pending (V5")
                .contains("WARNING: the embedded database has no password");
        assertThat(r.exit()).isZero();

        assertThat(Flyway.configure().dataSource(url, "", "").locations("classpath:db/migration").load().info().pending())
                .as("still pending after the check").hasSize(pending);
        assertThat(dir.resolve(DataDirectory.DATABASE_PASSWORD_FILE)).doesNotExist();
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("ward.mv.db", "master.key");
        }
    }
}
