package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Runs the README's quick start exactly as written (bash + curl) against a real server with the shipped
 * policy (the administrator must enrol MFA). Only the server address is pointed at the test's random port;
 * the bootstrap password is read from the README.
 */
class QuickStartTest {
    @Test
    void readmeQuickStartWorksAsWritten() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        Matcher serve = Pattern.compile("WARD_BOOTSTRAP_ADMIN_PASSWORD='([^']+)' \\./ward serve").matcher(readme);
        assertThat(serve.find()).as("README starts the server with a bootstrap password").isTrue();
        List<String> blocks = bashBlocks(readme, "quickstart");
        assertThat(blocks).hasSizeGreaterThanOrEqualTo(9);
        List<String> crypto = bashBlocks(readme, "crypto");
        assertThat(crypto).as("the encryption section continues the quick start").hasSizeGreaterThanOrEqualTo(3);
        blocks.addAll(crypto);
        String script = String.join("\n", blocks);
        assertThat(script).contains("WARD=http://127.0.0.1:8080");

        try (TestWard w = TestWard.asShipped(serve.group(1))) {
            // The quick start computes TOTP codes from this machine's clock, as an authenticator app would.
            w.clock.set(Instant.now());
            String pointed = script.replace("WARD=http://127.0.0.1:8080", "WARD=" + w.base());
            Process bash = new ProcessBuilder("bash", "-euo", "pipefail", "-c", pointed).redirectErrorStream(true).start();
            assertThat(bash.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(bash.exitValue()).as(out).isZero();
            assertThat(out).contains("admin session: wst_")
                    .containsPattern("\"backup_codes\":\\[(\"[0-9a-z]{4}(-[0-9a-z]{4}){3}\",?){10}]")
                    .contains("admin session with MFA: wst_")
                    .contains("\"id\":\"stmarys\"").contains("\"idle_timeout_seconds\":900")
                    .contains("\"username\":\"frontdesk\"").contains("\"status\":\"active\"")
                    .contains("api key: wak_")
                    .contains("session token: wst_")
                    .contains("\"valid\":true").contains("\"ip\":\"203.0.113.7\"")
                    .contains("logout: 204")
                    .contains("\"code\":\"session_revoked\"")
                    .contains("stored: ward:v1:").contains("{\"plaintext\":\"123-45-6789\"}")
                    .contains("\"code\":\"decrypt_failed\"").contains("{\"ciphertext\":\"ward:v1:")
                    .contains("\"state\":\"primary\"").contains("rewrapped: ward:v2:")
                    .contains("\"state\":\"destroyed\"").contains("\"reason\":\"key_destroyed\"");
        }
    }

    /** The bash blocks between {@code <!-- name:begin -->} and {@code <!-- name:end -->}, in order. */
    private static List<String> bashBlocks(String readme, String name) {
        String section = readme.substring(readme.indexOf("<!-- " + name + ":begin -->"), readme.indexOf("<!-- " + name + ":end -->"));
        List<String> blocks = new ArrayList<>();
        Matcher code = Pattern.compile("```bash\\n(.*?)```", Pattern.DOTALL).matcher(section);
        while (code.find()) {
            blocks.add(code.group(1));
        }
        return blocks;
    }
}
