package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ward.access.Actor;
import dev.ward.auth.LoginLimits;
import dev.ward.crypto.MasterKeyMismatchException;
import dev.ward.crypto.Secrets;
import dev.ward.testing.MutableClock;
import dev.ward.user.PasswordHasher;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A master key other than the one a database's data is sealed under is refused by the server, every CLI command
 * and {@code ward check}, before anything is sealed with it; readiness reports it.
 */
class MasterKeyCheckTest {
    private static final Actor OPERATOR = new Actor.Operator();

    private static String newKey() {
        return Base64.getEncoder().encodeToString(Secrets.randomBytes(32));
    }

    private static Ward start(Path dir, String masterKey) {
        Config config = new Config("127.0.0.1", 0, dir, Optional.of(masterKey), Optional.of(TestWard.ADMIN_PASSWORD), false,
                new LoginLimits(100_000, 100_000), PasswordHasher.Params.OWASP, Duration.ofSeconds(300));
        return Ward.start(config, MutableClock.startingAt("2026-11-22T10:00:00Z"),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    /** Seals under the master key both kinds of data it protects: a tenant key version and a JWT signing key. */
    private static void sealSomething(Ward ward) {
        ward.core().keys().rotate(OPERATOR, Actor.SYSTEM_TENANT);
        ward.core().jwt().rotate(OPERATOR);
    }

    @Test
    void aServerRefusesAnotherKeyBeforeSealingAnything() throws Exception {
        Path dir = Files.createTempDirectory("ward-mk");
        String right = newKey();
        try (Ward ward = start(dir, right)) {
            sealSomething(ward);
        }

        assertThatThrownBy(() -> start(dir, newKey())).isInstanceOf(MasterKeyMismatchException.class)
                .hasMessage("WARD_MASTER_KEY is not the master key this database was sealed with (its key check value "
                        + "differs); start Ward with the original key");

        try (Ward ward = start(dir, right)) {
            assertThat(ward.core().keys().list(OPERATOR, Actor.SYSTEM_TENANT)).hasSize(1);
        }
    }

    @Test
    void cliCommandsAndCheckRefuseAnotherKeyInOneLineAndChangeNothing() throws Exception {
        try (PostgresSchema schema = PostgresSchema.create("MasterKeyCheckTest")) {
            String right = newKey();
            try (TestWard w = TestWard.onPostgres(schema.url(), right)) {
                sealSomething(w.ward);
            }
            long versions = schema.count("key_versions");
            Map<String, String> wrongKey = Map.of("WARD_DATABASE_URL", schema.url(), "WARD_MASTER_KEY", newKey());

            WardProcess.Result rotate = WardProcess.run(wrongKey, "keys", "rotate", "--tenant", "system");
            assertThat(rotate.exit()).as(rotate.all()).isNotZero();
            assertThat(rotate.err().lines()).as(rotate.all()).containsExactly("ward keys rotate: failed: WARD_MASTER_KEY is not "
                    + "the master key this database was sealed with (its key check value differs); start Ward with the original key");
            assertThat(schema.count("key_versions")).as("no version wrapped under the wrong key").isEqualTo(versions);

            WardProcess.Result users = WardProcess.run(wrongKey, "user", "list", "--tenant", "system");
            assertThat(users.exit()).isNotZero();
            assertThat(users.err()).contains("is not the master key this database was sealed with");

            WardProcess.Result check = WardProcess.run(wrongKey, "check", "--strict");
            assertThat(check.exit()).as(check.all()).isEqualTo(1);
            assertThat(check.out()).contains("Master key: REFUSED — WARD_MASTER_KEY is not the master key this database was sealed with");

            WardProcess.Result good = WardProcess.run(Map.of("WARD_DATABASE_URL", schema.url(), "WARD_MASTER_KEY", right), "check");
            assertThat(good.out()).as(good.all()).contains("Master key: matches the database");
            assertThat(good.exit()).as(good.all()).isZero();
        }
    }

    @Test
    void readinessReportsADatabaseThatNamesAnotherKey() {
        try (TestWard w = new TestWard()) {
            assertThat(w.get("/health/ready", null).json().path("checks").path("master_key").asText()).isEqualTo("up");
            String mine = w.ward.core().db().call(h -> h.createQuery("SELECT check_value FROM master_key_check").mapTo(String.class).one());
            setCheckValue(w.ward, "kcv1:another-key");

            var ready = w.get("/health/ready", null);
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.json().path("checks").path("master_key").asText()).isEqualTo("down");
            assertThat(ready.json().path("checks").path("database").asText()).isEqualTo("up");

            setCheckValue(w.ward, mine);
            assertThat(w.get("/health/ready", null).status()).isEqualTo(200);
        }
    }

    private static void setCheckValue(Ward ward, String value) {
        ward.core().db().run(h -> h.createUpdate("UPDATE master_key_check SET check_value = :v").bind("v", value).execute());
    }

    @Test
    void aDatabaseFromBeforeCheckValuesIsTrustedOnlyWhenItsSealedDataOpens() throws Exception {
        Path dir = Files.createTempDirectory("ward-mk-legacy");
        String right = newKey();
        try (Ward ward = start(dir, right)) {
            sealSomething(ward);
            // As a database made before key check values: sealed data, no check value.
            ward.core().db().run(h -> h.execute("DELETE FROM master_key_check"));
        }

        assertThatThrownBy(() -> start(dir, newKey())).isInstanceOf(MasterKeyMismatchException.class)
                .hasMessageStartingWith("WARD_MASTER_KEY does not open the data already sealed in this database (")
                .hasMessageContaining("key version 1 of tenant system").hasMessageContaining("JWT signing key ")
                .hasMessageEndingWith("); start Ward with the master key that sealed it");

        try (Ward ward = start(dir, right)) {
            int recorded = ward.core().db().call(h -> h.createQuery("SELECT COUNT(*) FROM master_key_check").mapTo(Integer.class).one());
            assertThat(recorded).as("recorded once the sealed data opened").isEqualTo(1);
        }
        assertThatThrownBy(() -> start(dir, newKey())).isInstanceOf(MasterKeyMismatchException.class)
                .hasMessageContaining("key check value differs");
    }
}
