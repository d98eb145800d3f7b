package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.auth.LoginLimits;
import dev.ward.session.CleanupCriteria;
import dev.ward.testing.MutableClock;
import dev.ward.user.PasswordHasher;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code serve --cleanup-on-start}: orphans from before a restart are gone before the server listens. */
class StartupCleanupTest {
    @Test
    void restartWithCleanupOnStartRemovesSessionsBeforeListening() {
        TestWard first = new TestWard();
        String token = first.adminToken();
        first.login("system", "admin", TestWard.ADMIN_PASSWORD);
        first.ward.close();

        Config config = new Config("127.0.0.1", 0, first.dataDir, Optional.empty(), Optional.empty(), false,
                new LoginLimits(1000, 1000), PasswordHasher.Params.OWASP, Duration.ofSeconds(300));
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (Ward again = Ward.start(config, MutableClock.startingAt("2026-11-22T10:00:00Z"),
                new PrintStream(console, true, StandardCharsets.UTF_8),
                Optional.of(new Ward.StartupCleanup(new CleanupCriteria(CleanupCriteria.Selection.ALL, null, null))))) {
            assertThat(console.toString(StandardCharsets.UTF_8)).contains("Cleanup on start: removed 2 session(s).")
                    .contains("Ward listening");
            var http = java.net.http.HttpClient.newHttpClient();
            var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + again.port() + "/v1/session"))
                    .header("Authorization", "Bearer " + token).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.body()).contains("session_invalid");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
