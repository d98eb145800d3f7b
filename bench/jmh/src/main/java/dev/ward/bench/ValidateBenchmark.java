package dev.ward.bench;

import dev.ward.access.Actor;
import dev.ward.apikey.IssuedApiKey;
import dev.ward.auth.LoginRequest;
import dev.ward.auth.LoginResult;
import dev.ward.server.Config;
import dev.ward.server.Ward;
import dev.ward.session.Client;
import dev.ward.session.Validation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Session validation on the embedded store (H2 file database, as {@code ./ward serve} uses by default),
 * through the real wiring ({@link Ward.Core#open}), without HTTP.
 *
 * <p>The tenant's policy turns rotation (uses and time) and binding off, so every call takes the plain path:
 * one SQL statement that checks expiry, bumps last_seen/uses and returns the row, then in-memory decisions
 * (the tenant policy comes from TenantService's short cache). Calls spread over {@value #USERS}×{@value
 * #SESSIONS_PER_USER} live sessions so that parallel threads rarely update the same row at the same time.
 *
 * <p>Every result is checked: a benchmark fails rather than measure an error path.
 * bench/run-jmh.sh runs the throughput pass (ops/s) and the sample-time pass (p50/p99) separately.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class ValidateBenchmark {
    static final int USERS = 4;
    static final int SESSIONS_PER_USER = 8;
    static final String TENANT = "bench";
    // Passes the password policy (length, classes, not common, no username in it).
    static final String PASSWORD = "Quartz-Lantern-Ferry-58!";
    static final Client CLIENT = new Client("203.0.113.7", "Mozilla/5.0 (X11; Linux x86_64) ward-bench");

    private Path dataDir;
    private Ward.Core core;
    private String apiKeySecret;
    private Actor.ApiKey app;
    private String[] tokens;
    private final AtomicInteger threadCounter = new AtomicInteger();

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dataDir = Files.createTempDirectory("ward-bench-");
        Map<String, String> env = Map.of(
                "WARD_BOOTSTRAP_ADMIN_PASSWORD", PASSWORD,
                // The setup logs in the same users many times within a minute.
                "WARD_LOGIN_RATE_PER_IP", "1000000",
                "WARD_LOGIN_RATE_PER_USERNAME", "1000000");
        Config config = Config.fromEnvironment(env, "127.0.0.1", 0, dataDir);
        core = Ward.Core.open(config, Clock.systemUTC());
        // As a server does: only a node that hears other nodes' changes serves from its caches.
        core.invalidations().listen();
        Actor operator = new Actor.Operator();

        Map<String, Object> policy = Map.of("session", Map.of(
                "rotate_after_uses", 1_000_000_000L,
                "rotate_after_seconds", 86_400L,
                "idle_timeout_seconds", 86_400L,
                "binding", "off",
                "max_concurrent", (long) SESSIONS_PER_USER * 2));
        core.tenants().create(operator, TENANT, "Benchmark clinic", policy);

        IssuedApiKey key = core.apiKeys().create(operator, TENANT, "bench app", List.of("sessions"));
        apiKeySecret = key.key();
        app = core.apiKeys().authenticate(apiKeySecret).orElseThrow(() -> new IllegalStateException("API key not accepted"));

        List<String> issued = new ArrayList<>();
        for (int u = 0; u < USERS; u++) {
            String username = "clinician" + u;
            core.users().create(operator, TENANT, username, PASSWORD, List.of("staff"));
            for (int s = 0; s < SESSIONS_PER_USER; s++) {
                LoginResult result = core.login().login(Optional.of(app), new LoginRequest(TENANT, username, PASSWORD, CLIENT));
                if (!(result instanceof LoginResult.Authenticated ok)) {
                    throw new IllegalStateException("login failed during setup: " + result);
                }
                issued.add(ok.issued().token());
            }
        }
        tokens = issued.toArray(String[]::new);
        for (String t : tokens) {
            if (!(core.sessions().validateFor(app, t, Optional.empty()) instanceof Validation.Valid)) {
                throw new IllegalStateException("a fresh session does not validate");
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (core != null) {
            core.close();
        }
        if (dataDir != null) {
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }

    /** Each thread walks the sessions from its own starting point. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;

        @Setup(Level.Trial)
        public void setUp(ValidateBenchmark b) {
            next = b.threadCounter.getAndIncrement() * SESSIONS_PER_USER;
        }

        String token(String[] tokens) {
            next = (next + 1) % tokens.length;
            return tokens[next];
        }
    }

    private static Validation valid(Validation v) {
        if (!(v instanceof Validation.Valid valid) || valid.rotatedToken().isPresent()) {
            throw new IllegalStateException("expected a plain valid session, got " + v);
        }
        return v;
    }

    /** The hot path: an app back-end validates a session with its API key (already authenticated). */
    @Benchmark
    public Validation validateFor(Cursor c) {
        return valid(core.sessions().validateFor(app, c.token(tokens), Optional.empty()));
    }

    /** The same, from 4 threads at once (more threads than this 2-core machine has cores). */
    @Benchmark
    @Threads(4)
    public Validation validateFor_4threads(Cursor c) {
        return valid(core.sessions().validateFor(app, c.token(tokens), Optional.empty()));
    }

    /** Front channel: the holder presents the token (GET /v1/session, keepalive); the connection is the client. */
    @Benchmark
    public Validation validateFrontChannel(Cursor c) {
        return valid(core.sessions().validate(c.token(tokens), CLIENT));
    }

    /**
     * Not validation itself, but what POST /v1/sessions/validate pays before it on every request: finding the
     * caller's API key by its hash. ApiKeyService keeps authenticated keys for 10 s (cleared on every node by a
     * revocation), so in a steady state this is SHA-256 plus a cache lookup, with one SQL query per key every 10 s.
     */
    @Benchmark
    public Actor.ApiKey apiKeyAuthenticate() {
        return core.apiKeys().authenticate(apiKeySecret).orElseThrow();
    }
}
