package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.audit.AuditEvent;
import dev.ward.server.cli.WardCli;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code ward user ...} while the server runs on the same data: the operator's way back in (audited as the
 * operator), with the tenant's password policy and the user's sessions ended.
 */
class UserCommandTest {
    private static final String PW = "Bootstrap-Adm1n!pass";

    private static TestWard.Response login(TestWard w, String password) {
        return w.post("/v1/auth/login", TestWard.json(Map.of("tenant", "system", "username", "admin", "password", password)), null);
    }

    @Test
    void resetMfaLetsASoleAdministratorWhoLostPhoneAndCodesEnrolAgain() {
        try (TestWard w = TestWard.asShipped(PW)) {
            w.clock.set(Instant.now()); // the CLI runs on the real clock
            String enrolToken = login(w, PW).text("token");
            String secret = w.post("/v1/me/mfa/totp/setup", TestWard.json(Map.of("current_password", PW)), enrolToken).text("secret");
            var confirmed = w.post("/v1/me/mfa/totp/confirm",
                    TestWard.json(Map.of("code", IndependentTotp.at(secret, w.clock.instant()))), enrolToken);
            assertThat(confirmed.status()).as(confirmed.raw()).isEqualTo(200);
            String session = confirmed.text("token");
            assertThat(login(w, PW).text("status")).isEqualTo("mfa_required");

            var reset = WardCli.run("user", "reset-mfa", "--tenant", "system", "--username", "Admin", "--data-dir", w.dataDir.toString());
            assertThat(reset.exit()).as(reset.err()).isZero();
            assertThat(reset.out()).contains("Reset the MFA of system/Admin; their sessions ended.");

            assertThat(w.get("/v1/session", session).code()).isEqualTo("session_revoked");
            assertThat(login(w, PW).text("status")).isEqualTo("mfa_enrollment_required");
            assertThat(w.ward.audit().recent("system", "mfa.reset", 5)).singleElement()
                    .extracting(AuditEvent::actor).isEqualTo("operator");
        }
    }

    @Test
    void setPasswordReadsStandardInputAppliesThePolicyAndEndsSessions() {
        try (TestWard w = new TestWard()) {
            w.clock.set(Instant.now()); // the CLI runs on the real clock
            String session = w.adminToken();
            String dir = w.dataDir.toString();

            var weak = WardCli.withInput("short\n", "user", "set-password", "--tenant", "system", "--username", "admin",
                    "--password-stdin", "--data-dir", dir);
            assertThat(weak.exit()).isEqualTo(2);
            assertThat(weak.err()).startsWith("ward user set-password: The password ").doesNotContain("short\n");
            assertThat(w.get("/v1/session", session).status()).as("nothing changed").isEqualTo(200);

            String fresh = "Recovered-Adm1n!pass";
            var set = WardCli.withInput(fresh + "\n", "user", "set-password", "--tenant", "system", "--username", "admin",
                    "--password-stdin", "--data-dir", dir);
            assertThat(set.exit()).as(set.err()).isZero();
            assertThat(set.out() + set.err()).doesNotContain(fresh);

            assertThat(w.get("/v1/session", session).code()).isEqualTo("session_revoked");
            assertThat(login(w, PW).status()).isEqualTo(401);
            assertThat(login(w, fresh).status()).isEqualTo(200);
            assertThat(w.ward.audit().recent("system", "account.password_changed", 5)).singleElement()
                    .extracting(AuditEvent::actor).isEqualTo("operator");
        }
    }

    @Test
    void setPasswordNeverTakesThePasswordAsAnArgumentNorWithoutATerminal() {
        try (TestWard w = new TestWard()) {
            w.clock.set(Instant.now()); // the CLI runs on the real clock
            String dir = w.dataDir.toString();
            var asArgument = WardCli.run("user", "set-password", "--tenant", "system", "--username", "admin",
                    "--password", "Recovered-Adm1n!pass", "--data-dir", dir);
            assertThat(asArgument.exit()).isEqualTo(2);
            assertThat(asArgument.err()).contains("Unknown option(s): --password, and 1 unexpected argument(s)")
                    .contains("--password-stdin").doesNotContain("Recovered");

            var noTerminal = WardCli.run("user", "set-password", "--tenant", "system", "--username", "admin", "--data-dir", dir);
            assertThat(noTerminal.exit()).isEqualTo(2);
            assertThat(noTerminal.err()).isEqualTo("ward user set-password: no terminal to type the password on; "
                    + "pipe it in with --password-stdin." + System.lineSeparator());
            assertThat(login(w, PW).status()).isEqualTo(200);
        }
    }

    @Test
    void unlockClearsALockoutAndUnknownNamesExitTwo() {
        try (TestWard w = new TestWard()) {
            w.clock.set(Instant.now()); // the CLI runs on the real clock
            String dir = w.dataDir.toString();
            for (int i = 0; i < 5; i++) {
                login(w, "Wrong-Password-1!");
            }
            assertThat(login(w, PW).status()).as("locked").isEqualTo(401);
            assertThat(WardCli.run("user", "show", "--tenant", "system", "--username", "admin", "--data-dir", dir).out())
                    .contains("status:   locked until");

            var unlock = WardCli.run("user", "unlock", "--tenant", "system", "--username", "admin", "--data-dir", dir);
            assertThat(unlock.exit()).as(unlock.err()).isZero();
            assertThat(login(w, PW).status()).isEqualTo(200);
            assertThat(w.ward.audit().recent("system", "account.unlocked", 5)).singleElement()
                    .extracting(AuditEvent::actor).isEqualTo("operator");

            var nobody = WardCli.run("user", "unlock", "--tenant", "system", "--username", "ghost", "--data-dir", dir);
            assertThat(nobody.exit()).isEqualTo(2);
            assertThat(nobody.err()).isEqualTo("ward user unlock: No such user in this tenant." + System.lineSeparator());
            var noTenant = WardCli.run("user", "list", "--tenant", "nosuch", "--data-dir", dir);
            assertThat(noTenant.exit()).isEqualTo(2);
            assertThat(noTenant.err()).contains("No such tenant.");
        }
    }

    @Test
    void theOperatorCanCreateListDisableAndEnableUsers() {
        try (TestWard w = new TestWard()) {
            w.clock.set(Instant.now()); // the CLI runs on the real clock
            String dir = w.dataDir.toString();
            w.createTenant("clinic");
            var created = WardCli.withInput("Second-Adm1n!pass\n", "user", "create", "--tenant", "clinic", "--username", "nina",
                    "--role", "staff", "--password-stdin", "--data-dir", dir);
            assertThat(created.exit()).as(created.err()).isZero();
            String token = w.login("clinic", "nina", "Second-Adm1n!pass");

            assertThat(WardCli.run("user", "list", "--tenant", "clinic", "--data-dir", dir).out())
                    .containsPattern("nina +usr_[0-9a-f]{24} +active +no +staff").contains("1 user(s).");
            assertThat(WardCli.run("user", "disable", "--tenant", "clinic", "--username", "nina", "--data-dir", dir).exit()).isZero();
            assertThat(w.get("/v1/session", token).code()).isEqualTo("session_revoked");
            assertThat(WardCli.run("user", "enable", "--tenant", "clinic", "--username", "nina", "--data-dir", dir).exit()).isZero();
            w.login("clinic", "nina", "Second-Adm1n!pass");
            assertThat(w.ward.audit().recent("clinic", "admin.user_created", 5)).singleElement()
                    .extracting(AuditEvent::actor).isEqualTo("operator");
        }
    }
}
