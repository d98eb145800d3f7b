package dev.ward.server.cli;

import static dev.ward.server.cli.CleanupCommandTest.ward;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.server.TestWard;
import dev.ward.server.cli.CleanupCommandTest.Run;
import dev.ward.crypto.TenantKeys;
import org.junit.jupiter.api.Test;

/** {@code ward keys list|rotate|destroy|rewrap} against the data directory of a server that runs at the same time. */
class KeysCommandTest {
    static final String PW = "North-Pass-123!";

    @Test
    void listRotateRewrapAndDestroyWhileTheServerRuns() {
        try (TestWard w = new TestWard()) {
            String dir = w.dataDir.toString();
            w.createTenant("north");
            w.createUser("north", "nina", PW, "staff");
            String token = w.login("north", "nina", PW);
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

            Run rewrap = ward("keys", "rewrap", "--tenant", "north", "--data-dir", dir);
            assertThat(rewrap.exit()).as(rewrap.err()).isZero();
            assertThat(rewrap.out()).contains("Rewrapping 3 value(s) of tenant north (session attributes, MFA secrets) under key version 2")
                    .contains("Rewrapped 3, already current 0, changed meanwhile 0, unreadable 0.");
            assertThat(ward("keys", "rewrap", "--tenant", "north", "--data-dir", dir).out()).as("a second run")
                    .contains("Rewrapped 0, already current 3");

            Run refused = ward("keys", "destroy", "--tenant", "north", "--version", "1", "--data-dir", dir);
            assertThat(refused.exit()).as("no terminal, no --force").isEqualTo(2);
            Run primary = ward("keys", "destroy", "--tenant", "north", "--version", "2", "--force", "--data-dir", dir);
            assertThat(primary.exit()).isEqualTo(2);
            assertThat(primary.err()).contains("primary");
            Run destroy = ward("keys", "destroy", "--tenant", "north", "--version", "1", "--force", "--data-dir", dir);
            assertThat(destroy.exit()).as(destroy.err()).isZero();
            assertThat(destroy.out()).containsPattern("1 +destroyed");

            w.clock.advance(TenantKeys.FRESHNESS.plusSeconds(1));
            assertThat(w.get("/v1/session/attributes/b", token).raw()).as("rewrapped before the destruction").isEqualTo("\"value-b\"");
            assertThat(w.put("/v1/session/attributes/d", "1", token).status()).isEqualTo(204);
            assertThat(ward("keys", "list", "--tenant", "north", "--data-dir", dir).out()).containsPattern("2 +primary");

            Run unknown = ward("keys", "list", "--tenant", "nowhere", "--data-dir", dir);
            assertThat(unknown.exit()).isEqualTo(2);
            assertThat(unknown.err()).contains("No such tenant");
        }
    }

    @Test
    void aDataDirectoryWithoutADatabaseIsRefused() throws Exception {
        Run r = ward("keys", "list", "--tenant", "north", "--data-dir", java.nio.file.Files.createTempDirectory("empty").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("no Ward database");
    }
}
