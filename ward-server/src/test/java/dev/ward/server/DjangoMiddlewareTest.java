package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The Django integration ({@code integrations/django}, issue 15 item 3) against a real Ward: its pytest suite, run by
 * Debian's Python with Debian's {@code python3-django} and {@code python3-pytest-django}, so that it is part of
 * {@code ./ward test}. This test starts the Ward, makes the tenant {@code clinic}, a user and the app's API key, and
 * lends the suite Ward's clock over a small HTTP endpoint ({@code GET /clock} reads it, {@code POST /clock?advance=N}
 * moves it N seconds): idle expiry, rotation grace and TOTP steps are then reached without sleeping.
 *
 * <p>Debian's interpreter is named on purpose ({@code /usr/bin/python3}): a {@code python3} earlier on the PATH (pyenv,
 * a virtualenv) would not see Debian's packages.
 */
class DjangoMiddlewareTest {
    static final Path PROJECT = Path.of("..", "integrations", "django").toAbsolutePath().normalize();
    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final String PASSWORD = "Django-Ward-Pass-9!";

    @Test
    void djangoSuitePassesAgainstARealWard() throws Exception {
        missingPython().ifPresent(why -> {
            System.out.println("SKIPPED SUITE DjangoMiddlewareTest: " + why
                    + " (apt-get install python3-django python3-pytest-django python3-pytest; .ci/run does)");
            Assumptions.abort(why);
        });
        try (TestWard w = new TestWard(); ClockEndpoint clock = new ClockEndpoint(w)) {
            w.createTenant("clinic", Map.of("mfa", Map.of("required_roles", List.of()),
                    "session", Map.of("rotate_after_uses", 1_000_000, "rotate_after_seconds", 86_400, "idle_timeout_seconds", 900)));
            w.createUser("clinic", "nurse", PASSWORD, "provider");
            Map<String, String> env = Map.of(
                    "WARD_URL", w.base(),
                    "WARD_TEST_API_KEY", w.createApiKey("clinic", "sessions", "patients"),
                    "WARD_TEST_ADMIN_KEY", w.createApiKey("system", "admin"),
                    "WARD_TEST_TENANT", "clinic",
                    "WARD_TEST_USERNAME", "nurse",
                    "WARD_TEST_PASSWORD", PASSWORD,
                    "WARD_TEST_CLOCK_URL", clock.url());
            Run run = pytest(env);
            System.out.println(run.output());
            assertThat(run.exit()).as("pytest integrations/django/tests:\n" + run.output()).isZero();
        }
    }

    record Run(int exit, String output) {}

    private static Run pytest(Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(PYTHON.toString(), "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider")
                .directory(PROJECT.toFile()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("WARD_") || k.startsWith("PYTHON") || k.startsWith("DJANGO_"));
        pb.environment().putAll(env);
        pb.environment().put("PYTHONPATH", PROJECT.toString());
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        Process p = pb.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(output lost: " + e + ")";
            }
        });
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("pytest did not finish in 5 minutes:\n" + out.getNow(""));
        }
        return new Run(p.exitValue(), out.join());
    }

    /** Why the suite cannot run here, if it cannot: no Debian Python, or no Django / pytest-django for it. */
    private static Optional<String> missingPython() throws IOException, InterruptedException {
        if (!Files.isExecutable(PYTHON)) {
            return Optional.of(PYTHON + " is missing");
        }
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import django, pytest, pytest_django")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(1, TimeUnit.MINUTES) || p.exitValue() != 0) {
            return Optional.of("python3-django, python3-pytest or python3-pytest-django is not installed");
        }
        return Optional.empty();
    }

    /** Ward's test clock, lent to the Python suite on a loopback port. */
    static final class ClockEndpoint implements AutoCloseable {
        private final HttpServer server;

        ClockEndpoint(TestWard w) throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/clock", ex -> answer(ex, w));
            server.start();
        }

        String url() { return "http://127.0.0.1:" + server.getAddress().getPort() + "/clock"; }

        private static void answer(HttpExchange ex, TestWard w) throws IOException {
            String query = Optional.ofNullable(ex.getRequestURI().getQuery()).orElse("");
            if (ex.getRequestMethod().equals("POST") && query.matches("advance=\\d{1,7}")) {
                w.clock.advance(Duration.ofSeconds(Long.parseLong(query.substring("advance=".length()))));
            }
            byte[] body = ("{\"now\":" + w.clock.instant().getEpochSecond() + "}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        }

        @Override
        public void close() { server.stop(0); }
    }
}
