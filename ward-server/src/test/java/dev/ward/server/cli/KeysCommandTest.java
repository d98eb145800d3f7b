package dev.ward.server.cli;

import static dev.ward.server.cli.CleanupCommandTest.ward;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.server.TestWard;
import dev.ward.server.cli.CleanupCommandTest.Run;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code ward keys list|rotate|destroy|rewrap} against the data directory of a server that runs at the same time.
 * The commands run on the real clock; the server's clock stands at 2026-11-22, before it, so a version the
 * server demoted is past its waiting period for the command.
 */
class KeysCommandTest {
    static final String PW = "North-Pass-123!";

    /** Tenant north with user nina; her session token. */
    private static String signedInToNorth(TestWard w) {
        w.createTenant("north");
        w.createUser("north", "nina", PW, "staff");
        return w.login("north", "nina", PW);
    }

    private static TestWard.Response decrypt(TestWard w, String apiKey, String ciphertext) {
        return w.post("/v1/crypto/decrypt", TestWard.json(Map.of("field", "f", "ciphertext", ciphertext)), apiKey);
    }

    @Test
    void listRotateAndRewrapWhileTheServerRunsWhichSealsUnderTheNewVersionAtOnce() {
        try (TestWard w = new TestWard()) {
            String dir = w.dataDir.toString();
            String token = signedInToNorth(w);
            for (String name : new String[] {"a", "b", "c"}) {
                assertThat(w.put("/v1/session/attributes/" + name, "\"value-" + name + "\"", token).status()).isEqualTo(204);
            }

            Run list = ward("keys", "list", "--tenant", "north", "--data-dir", dir);
            assertThat(list.exit()).as(list.err()).isZero();
            assertThat(list.out()).contains("Keys of tenant north:").containsPattern("1 +primary");

            Run rotate = ward("keys", "rotate", "--tenant", "north", "--data-dir", dir);
            assertThat(rotate.exit()).as(rotate.err()).isZero();
            assertThat(rotate.out()).containsPattern("2 +primary").containsPattern("1 +active");
            assertThat(w.ward.audit().recent("north", "key.rotated", 10)).singleElement()
                    .satisfies(e -> assertThat(e.actor()).isEqualTo("operator"));
            // The server's clock has not moved: only the command's notice can have cleared its cached primary.
            assertThat(w.put("/v1/session/attributes/d", "\"value-d\"", token).status()).isEqualTo(204);

            Run rewrap = ward("keys", "rewrap", "--tenant", "north", "--data-dir", dir);
            assertThat(rewrap.exit()).as(rewrap.err()).isZero();
            assertThat(rewrap.out()).contains("Rewrapping 4 value(s) of tenant north (session attributes, MFA secrets, user attributes) under key version 2")
                    .contains("Rewrapped 3, already current 1, changed meanwhile 0, unreadable 0.");
            assertThat(ward("keys", "rewrap", "--tenant", "north", "--data-dir", dir).out()).as("a second run")
                    .contains("Rewrapped 0, already current 4");
            assertThat(w.get("/v1/session/attributes/b", token).raw()).isEqualTo("\"value-b\"");

            Run unknown = ward("keys", "list", "--tenant", "nowhere", "--data-dir", dir);
            assertThat(unknown.exit()).isEqualTo(2);
            assertThat(unknown.err()).contains("No such tenant");
        }
    }

    @Test
    void offATerminalRewrapPrintsPlainProgressLinesNotABar() {
        try (TestWard w = new TestWard()) {
            String token = signedInToNorth(w);
            w.put("/v1/session/attributes/a", "1", token);
            w.post("/v1/admin/tenants/north/keys/rotate", null, w.adminToken());

            Run rewrap = ward("keys", "rewrap", "--tenant", "north", "--data-dir", w.dataDir.toString());

            assertThat(rewrap.exit()).as(rewrap.err()).isZero();
            assertThat(rewrap.out() + rewrap.err()).doesNotContain("\r").doesNotContain("%");
            assertThat(rewrap.out().lines().filter(l -> l.startsWith("Rewrapping: "))).containsExactly("Rewrapping: 1 of 1");
        }
    }

    @Test
    void destroyIsRefusedWhileWardsOwnValuesUseTheVersionThenTheServerStopsUsingItAtOnce() {
        try (TestWard w = new TestWard()) {
            String dir = w.dataDir.toString();
            String token = signedInToNorth(w);
            w.put("/v1/session/attributes/a", "\"kept\"", token);
            w.put("/v1/session/attributes/b", "\"kept too\"", token);
            String app = w.createApiKey("north", "crypto");
            String underV1 = w.post("/v1/crypto/encrypt", TestWard.json(Map.of("field", "f", "plaintext", "app data")), app)
                    .text("ciphertext");
            assertThat(decrypt(w, app, underV1).status()).as("the server now holds version 1 in its cache").isEqualTo(200);
            w.post("/v1/admin/tenants/north/keys/rotate", null, w.adminToken());

            Run noTerminal = ward("keys", "destroy", "--tenant", "north", "--key-version", "1", "--data-dir", dir);
            assertThat(noTerminal.exit()).as("no terminal, no --yes").isEqualTo(2);
            assertThat(noTerminal.err()).contains("--yes");
            Run primary = ward("keys", "destroy", "--tenant", "north", "--key-version", "2", "--force", "--data-dir", dir);
            assertThat(primary.exit()).isEqualTo(2);
            assertThat(primary.err()).contains("primary");
            Run inUse = ward("keys", "destroy", "--tenant", "north", "--key-version", "1", "--yes", "--data-dir", dir);
            assertThat(inUse.exit()).isEqualTo(2);
            assertThat(inUse.err()).contains("2 session attributes").contains("keys rewrap");
            assertThat(ward("keys", "list", "--tenant", "north", "--data-dir", dir).out()).containsPattern("1 +active");

            assertThat(ward("keys", "rewrap", "--tenant", "north", "--data-dir", dir).exit()).isZero();
            Run destroy = ward("keys", "destroy", "--tenant", "north", "--key-version", "1", "--yes", "--data-dir", dir);
            assertThat(destroy.exit()).as(destroy.err()).isZero();
            assertThat(destroy.out()).containsPattern("1 +destroyed");

            TestWard.Response gone = decrypt(w, app, underV1);
            assertThat(gone.status()).as("the server's cached key went with the command's notice").isEqualTo(422);
            assertThat(gone.text("reason")).isEqualTo("key_destroyed");
            assertThat(w.get("/v1/session/attributes/a", token).raw()).isEqualTo("\"kept\"");
        }
    }

    @Test
    void forceDestroysAVersionStillInUse() {
        try (TestWard w = new TestWard()) {
            String dir = w.dataDir.toString();
            String token = signedInToNorth(w);
            w.put("/v1/session/attributes/a", "\"lost\"", token);
            w.post("/v1/admin/tenants/north/keys/rotate", null, w.adminToken());

            Run forced = ward("keys", "destroy", "--tenant", "north", "--key-version", "1", "--force", "--data-dir", dir);

            assertThat(forced.exit()).as(forced.err()).isZero();
            assertThat(forced.out()).containsPattern("1 +destroyed");
            assertThat(w.get("/v1/session/attributes/a", token).code()).isEqualTo("decrypt_failed");
        }
    }

    @Test
    void destroyHelpExplainsItsOptionsAndExitsZero() {
        Run help = ward("keys", "destroy", "--help");

        assertThat(help.exit()).as(help.err()).isZero();
        assertThat(help.out()).contains("--key-version=N").contains("--yes").contains("--force").contains("keys rewrap");
        assertThat(help.err()).isEmpty();
    }

    @Test
    void aDataDirectoryWithoutADatabaseIsRefused() throws Exception {
        Run r = ward("keys", "list", "--tenant", "north", "--data-dir", java.nio.file.Files.createTempDirectory("empty").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("no Ward database");
    }
}
