package dev.ward.server.cli;

import static dev.ward.server.cli.CleanupCommandTest.ward;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.server.TestWard;
import dev.ward.server.cli.CleanupCommandTest.Run;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 16 item 4: every operator command takes {@code --format table|json}, JSON alone on standard output for scripts
 * (people's lines and progress then go to standard error), and the exit codes its help documents: 0 done, 1 a store did
 * not answer (or a check failed, or a declined confirmation), 2 refused or a usage error.
 */
class CliFormatsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The JSON object that ends standard output (the test's log shares standard output in this one JVM). */
    private static JsonNode answer(Run r) throws Exception {
        int start = r.out().lastIndexOf("\n{");
        return JSON.readTree(start < 0 ? r.out() : r.out().substring(start + 1));
    }

    @Test
    void keysCleanupAndCheckAnswerInJsonAndRefuseAnUnknownFormat() throws Exception {
        try (TestWard w = new TestWard()) {
            String dir = w.dataDir.toString();
            w.createTenant("north");
            w.createUser("north", "nina", "North-Pass-123!", "staff");
            String token = w.login("north", "nina", "North-Pass-123!");
            w.put("/v1/session/attributes/a", "\"value-a\"", token);

            Run rotate = ward("keys", "rotate", "--tenant", "north", "--format", "json", "--data-dir", dir);
            assertThat(rotate.exit()).as(rotate.err()).isZero();
            JsonNode versions = answer(rotate).path("versions");
            assertThat(answer(rotate).path("tenant").asText()).isEqualTo("north");
            assertThat(versions.findValuesAsText("state")).containsExactlyInAnyOrder("active", "primary");
            assertThat(versions.get(0).has("created_at")).isTrue();
            assertThat(rotate.out()).as("no table beside the JSON").doesNotContain("Keys of tenant");

            Run rewrap = ward("keys", "rewrap", "--tenant", "north", "--format", "json", "--data-dir", dir);
            assertThat(rewrap.exit()).as(rewrap.err()).isZero();
            JsonNode wrapped = answer(rewrap);
            assertThat(wrapped.path("key_version").asInt()).isEqualTo(2);
            assertThat(wrapped.path("rewrapped").asLong()).isEqualTo(1);
            assertThat(wrapped.path("total").asLong()).isEqualTo(wrapped.path("rewrapped").asLong() + wrapped.path("current").asLong());
            assertThat(rewrap.out()).doesNotContain("Rewrapping");
            assertThat(rewrap.err()).as("people's lines go to standard error").contains("Rewrapping 1 value(s)");

            assertThat(w.post("/v1/auth/logout", "", token).status()).isEqualTo(204);
            Run dry = ward("cleanup", "--dry-run", "--format", "json", "--data-dir", dir);
            assertThat(dry.exit()).as(dry.err()).isZero();
            JsonNode counted = answer(dry);
            assertThat(counted.path("sessions").path("north").asLong()).as("nina's, logged out").isPositive();
            assertThat(counted.path("dry_run").asBoolean()).isTrue();
            assertThat(counted.path("removed_sessions").asLong()).isZero();
            Run clean = ward("cleanup", "--force", "--format", "json", "--data-dir", dir);
            assertThat(clean.exit()).as(clean.err()).isZero();
            assertThat(answer(clean).path("removed_sessions").asLong()).isEqualTo(counted.path("total").asLong());
            assertThat(clean.out()).doesNotContain("Removed ");

            Run check = ward("check", "--format", "json", "--data-dir", dir);
            assertThat(check.exit()).as(check.err()).isZero();
            JsonNode checked = answer(check);
            assertThat(checked.path("ok").asBoolean()).isTrue();
            assertThat(checked.path("checks").findValuesAsText("check")).contains("Mode", "Schema", "Master key");
            assertThat(checked.path("warnings").toString()).contains("development key file");
            Run strict = ward("check", "--format", "json", "--strict", "--data-dir", dir);
            assertThat(strict.exit()).as("warnings fail a strict check").isEqualTo(1);
            assertThat(answer(strict).path("ok").asBoolean()).isFalse();
            assertThat(answer(strict).path("stores_ok").asBoolean()).isTrue();

            Run verify = ward("audit", "verify", "--tenant", "north", "--format", "table", "--data-dir", dir);
            assertThat(verify.exit()).as(verify.err()).isZero();
            assertThat(verify.out()).contains("OK: ");

            for (List<String> command : List.of(List.of("keys", "list", "--tenant", "north"), List.of("cleanup", "--dry-run"),
                    List.of("check"), List.of("audit", "verify", "--tenant", "north"), List.of("audit", "checkpoint"),
                    List.of("tenant", "list"), List.of("user", "list", "--tenant", "north"))) {
                String[] args = java.util.stream.Stream.concat(command.stream(),
                        java.util.stream.Stream.of("--format", "yaml", "--data-dir", dir)).toArray(String[]::new);
                Run bad = ward(args);
                assertThat(bad.exit()).as(String.join(" ", command)).isEqualTo(2);
                assertThat(bad.err()).as(String.join(" ", command)).contains("--format must be table or json");
            }
        }
    }

    @Test
    void everyOperatorCommandDocumentsItsExitCodes() {
        for (String[] command : new String[][] {{"keys"}, {"cleanup"}, {"check"}, {"audit", "verify"},
                {"audit", "checkpoint"}, {"tenant"}, {"report"}, {"user"}}) {
            String[] help = java.util.Arrays.copyOf(command, command.length + 1);
            help[command.length] = "--help";
            Run r = ward(help);
            assertThat(r.exit()).isZero();
            assertThat(r.out()).as(String.join(" ", command)).containsPattern("Exit codes?:");
        }
    }
}
