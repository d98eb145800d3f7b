package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.crypto.Secrets;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The exit code the operator commands document for a database that does not answer: 1 (not 2, which means "refused",
 * nor a stack trace), with what to look at on standard error and nothing on standard output for a script to misread.
 * As an operator runs them: a separate process, production mode, PostgreSQL's URL on a port where nothing listens.
 */
class CliStoreDownTest {
    @Test
    void aDatabaseThatDoesNotAnswerExitsOneWithWhatToCheck() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort(); // free once closed: nothing listens there during the test
        }
        Map<String, String> env = Map.of("WARD_DATABASE_URL", "jdbc:postgresql://127.0.0.1:" + closed + "/ward?user=postgres",
                "WARD_MASTER_KEY", Base64.getEncoder().encodeToString(Secrets.randomBytes(32)));
        String dir = Files.createTempDirectory("store-down").toString();
        for (String[] command : new String[][] {{"keys", "list", "--tenant", "north", "--format", "json"},
                {"cleanup", "--dry-run", "--format", "json"}}) {
            String[] args = java.util.Arrays.copyOf(command, command.length + 2);
            args[command.length] = "--data-dir";
            args[command.length + 1] = dir;
            WardProcess.Result r = WardProcess.run(env, args);
            assertThat(r.exit()).as(String.join(" ", command) + ": " + r.all()).isEqualTo(1);
            assertThat(r.err()).as(String.join(" ", command)).contains("WARD_DATABASE_URL").doesNotContain("Exception");
            assertThat(r.out()).as("no half answer for a script").isBlank();
        }
    }
}
