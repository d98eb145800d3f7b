package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.crypto.TenantKeys;
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
            // The README waits 10 s before destroying a version that was the primary until then; here the script
            // pauses instead while the test moves the server's clock on by that much.
            Path pause = Files.createTempDirectory("ward-quickstart").resolve("pause");
            String pointed = script.replace("WARD=http://127.0.0.1:8080", "WARD=" + w.base())
                    .replace("\nsleep 10\n", "\ntouch '" + pause + "'; while [ -e '" + pause + "' ]; do sleep 0.05; done\n");
            assertThat(pointed).as("the README waits out the waiting period of a destruction").contains(pause.toString());
            Process bash = new ProcessBuilder("bash", "-euo", "pipefail", "-c", pointed).redirectErrorStream(true).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!bash.waitFor(20, TimeUnit.MILLISECONDS) && System.nanoTime() < deadline) {
                if (Files.deleteIfExists(pause)) {
                    // A second more: the database keeps the rotation's time rounded to microseconds.
                    w.clock.advance(TenantKeys.FRESHNESS.plusSeconds(1));
                }
            }
            assertThat(bash.waitFor(0, TimeUnit.SECONDS)).isTrue();
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
