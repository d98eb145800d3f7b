package dev.ward.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.access.Actor;
import dev.ward.auth.LoginLimits;
import dev.ward.testing.MutableClock;
import dev.ward.user.PasswordHasher;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A real Ward server on a random port over a fresh embedded database, with a clock tests move by hand,
 * plus a small HTTP client that speaks the API's JSON.
 *
 * <p>By default MFA is required of nobody — neither of the bootstrap administrator nor in tenants made
 * with {@link #createTenant(String)} — so tests of other features need no second factor.
 * {@link #asShipped} keeps the shipped policy ({@code mfa.required_roles} = admin, provider) everywhere;
 * {@link #createTenant(String, Map)} makes a tenant with the policy a test gives. Rate limits likewise: unless a test
 * sets {@code rate_limit} itself, its tenants (and {@code system}) take calls without limit (the clock stands still).
 */
public final class TestWard implements AutoCloseable {
    public static final String ADMIN_PASSWORD = "Bootstrap-Adm1n!pass";
    private static final ObjectMapper JSON = new ObjectMapper();

    public final MutableClock clock = MutableClock.startingAt("2026-11-22T10:00:00Z");
    public final Path dataDir;
    public final Ward ward;
    public final String console;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private String adminToken;

    /** Tenants made by {@link #createTenant(String)} require MFA of nobody. */
    private static final Map<String, Object> NO_MFA_REQUIRED = Map.of("mfa", Map.of("required_roles", List.of()));

    /**
     * Request rate limits far above anything a test sends: tests of other features make hundreds of calls in one session
     * while the test clock stands still, so no bucket ever refills. Tests of the limits name {@code rate_limit} themselves.
     */
    static final Map<String, Object> UNLIMITED = Map.of("per_minute", 1_000_000_000, "per_ip_per_minute", 1_000_000_000,
            "per_api_key_per_minute", 1_000_000_000);

    /** The policy with {@link #UNLIMITED} rate limits unless it sets its own. */
    private static Map<String, ?> withTestLimits(Map<String, ?> policy) {
        if (policy.containsKey("rate_limit")) {
            return policy;
        }
        Map<String, Object> out = new java.util.LinkedHashMap<>(policy);
        out.put("rate_limit", UNLIMITED);
        return out;
    }

    private final boolean mfaAsShipped;

    public TestWard() { this(new LoginLimits(100_000, 100_000), ADMIN_PASSWORD, false, Optional.empty(), Optional.empty(), Optional.empty(), false); }

    public TestWard(LoginLimits limits) { this(limits, ADMIN_PASSWORD, false, Optional.empty(), Optional.empty(), Optional.empty(), false); }

    /** A server as shipped, MFA policy included: the bootstrap administrator must enrol MFA. */
    public static TestWard asShipped(String adminPassword) {
        return new TestWard(new LoginLimits(100_000, 100_000), adminPassword, false, Optional.empty(), Optional.empty(), Optional.empty(), true);
    }


    /** A server that marks its session cookie Secure, as behind a TLS-terminating proxy. */
    public static TestWard withSecureCookies() {
        return new TestWard(new LoginLimits(100_000, 100_000), ADMIN_PASSWORD, true, Optional.empty(), Optional.empty(), Optional.empty(), false);
    }

    /** A node in production mode on PostgreSQL; several nodes given the same URL and key form one deployment. */
    public static TestWard onPostgres(String jdbcUrl, String masterKeyBase64) {
        return new TestWard(new LoginLimits(100_000, 100_000), ADMIN_PASSWORD, false, Optional.of(jdbcUrl),
                Optional.of(masterKeyBase64), Optional.empty(), false);
    }

    /** A node in production mode with sessions in Redis (a {@code redis://} or {@code redis-cluster://} URL). */
    public static TestWard onPostgresAndRedis(String jdbcUrl, String masterKeyBase64, String redisUrl) {
        return onPostgresAndRedis(jdbcUrl, masterKeyBase64, redisUrl, new LoginLimits(100_000, 100_000));
    }

    /** The same, with these login rate limits (counted in Redis, so shared by the nodes). */
    public static TestWard onPostgresAndRedis(String jdbcUrl, String masterKeyBase64, String redisUrl, LoginLimits limits) {
        return new TestWard(limits, ADMIN_PASSWORD, false, Optional.of(jdbcUrl), Optional.of(masterKeyBase64),
                Optional.of(redisUrl), false);
    }

    private TestWard(LoginLimits limits, String adminPassword, boolean cookieSecure, Optional<String> databaseUrl,
                     Optional<String> masterKey, Optional<String> redisUrl, boolean mfaAsShipped) {
        this(limits, adminPassword, cookieSecure, databaseUrl, masterKey, redisUrl, mfaAsShipped, UnaryOperator.identity());
    }

    /** An embedded server whose configuration {@code tweak} adjusts (trusted proxies, public URL, hashing pool, ...). */
    public static TestWard configured(UnaryOperator<Config> tweak) {
        return new TestWard(new LoginLimits(100_000, 100_000), ADMIN_PASSWORD, false, Optional.empty(), Optional.empty(),
                Optional.empty(), false, tweak);
    }

    /** A node in production mode on PostgreSQL (and Redis, if given) whose configuration {@code tweak} adjusts. */
    public static TestWard configured(String jdbcUrl, String masterKeyBase64, Optional<String> redisUrl, UnaryOperator<Config> tweak) {
        return new TestWard(new LoginLimits(100_000, 100_000), ADMIN_PASSWORD, false, Optional.of(jdbcUrl),
                Optional.of(masterKeyBase64), redisUrl, false, tweak);
    }

    private TestWard(LoginLimits limits, String adminPassword, boolean cookieSecure, Optional<String> databaseUrl,
                     Optional<String> masterKey, Optional<String> redisUrl, boolean mfaAsShipped, UnaryOperator<Config> tweak) {
        this.mfaAsShipped = mfaAsShipped;
        try {
            dataDir = Files.createTempDirectory("ward-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Config config = new Config("127.0.0.1", 0, dataDir, masterKey, Optional.of(adminPassword), cookieSecure,
                limits, PasswordHasher.Params.OWASP, Duration.ofSeconds(300), databaseUrl, redisUrl)
                // The harness is the operator here, and its webhook receivers listen on loopback.
                .withWebhookNetworks(List.of("127.0.0.1/32"));
        config = tweak.apply(config);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ward = Ward.start(config, clock, new PrintStream(out, true, StandardCharsets.UTF_8));
        console = out.toString(StandardCharsets.UTF_8);
        if (!mfaAsShipped) {
            ward.core().tenants().updatePolicy(new Actor.Operator(), Actor.SYSTEM_TENANT, withTestLimits(NO_MFA_REQUIRED));
        }
    }

    public String base() { return "http://127.0.0.1:" + ward.port(); }

    /** An answer: status, headers and the body parsed as JSON (null when empty or not JSON). */
    public record Response(int status, Map<String, List<String>> headers, String raw, JsonNode json) {
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> String.join(", ", e.getValue())).findFirst().orElse(null);
        }

        public String code() { return json == null ? null : json.path("code").asText(null); }

        public String text(String field) { return json.path(field).asText(null); }
    }

    public Response send(String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        boolean typed = false;
        for (int i = 0; i < headers.length; i += 2) {
            typed |= headers[i].equalsIgnoreCase("Content-Type");
        }
        if (body != null && !typed) {
            b.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode node = null;
            if (!r.body().isEmpty()) {
                try {
                    node = JSON.readTree(r.body());
                } catch (IOException notJson) {
                    node = null;
                }
            }
            return new Response(r.statusCode(), r.headers().map(), r.body(), node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Response get(String path, String token) { return send("GET", path, null, auth(token)); }

    public Response post(String path, String body, String token) { return send("POST", path, body, auth(token)); }

    public Response patch(String path, String body, String token) { return send("PATCH", path, body, auth(token)); }

    public Response put(String path, String body, String token) { return send("PUT", path, body, auth(token)); }

    public Response delete(String path, String token) { return send("DELETE", path, null, auth(token)); }

    private static String[] auth(String token) {
        return token == null ? new String[0] : new String[] {"Authorization", "Bearer " + token};
    }

    public static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A session token of the bootstrap system administrator: reused while the test clock stands still and
     * the token is far from rotation, otherwise a fresh login (tests move the clock by hours).
     */
    public String adminToken() {
        if (adminToken == null || !clock.instant().equals(adminTokenAt) || ++adminTokenUses > 50) {
            adminToken = login("system", "admin", ADMIN_PASSWORD);
            adminTokenAt = clock.instant();
            adminTokenUses = 0;
        }
        return adminToken;
    }

    private java.time.Instant adminTokenAt;
    private int adminTokenUses;

    /** Logs in (browser style) and returns the session token; fails the test when refused. */
    public String login(String tenant, String username, String password) {
        Response r = post("/v1/auth/login", json(Map.of("tenant", tenant, "username", username, "password", password)), null);
        if (r.status() != 200) {
            throw new AssertionError("login of " + username + " failed: " + r.status() + " " + r.raw());
        }
        return r.text("token");
    }

    public void createTenant(String id) {
        createTenant(id, mfaAsShipped ? Map.of() : NO_MFA_REQUIRED);
    }

    /** A tenant with this policy (a partial patch over the defaults). */
    public void createTenant(String id, Map<String, ?> policy) {
        Map<String, ?> effective = mfaAsShipped ? policy : withTestLimits(policy);
        Response r = post("/v1/admin/tenants", json(Map.of("id", id, "name", "Tenant " + id, "policy", effective)), adminToken());
        if (r.status() != 201) {
            throw new AssertionError("tenant " + id + ": " + r.status() + " " + r.raw());
        }
    }

    /** Creates a user and returns its id. */
    public String createUser(String tenant, String username, String password, String... roles) {
        Response r = post("/v1/admin/tenants/" + tenant + "/users",
                json(Map.of("username", username, "password", password, "roles", List.of(roles))), adminToken());
        if (r.status() != 201) {
            throw new AssertionError("user " + username + ": " + r.status() + " " + r.raw());
        }
        return r.text("id");
    }

    /** Creates an API key and returns the secret. */
    public String createApiKey(String tenant, String... scopes) {
        Response r = post("/v1/admin/tenants/" + tenant + "/api-keys", json(Map.of("name", "test key", "scopes", List.of(scopes))),
                adminToken());
        if (r.status() != 201) {
            throw new AssertionError("api key: " + r.status() + " " + r.raw());
        }
        return r.text("key");
    }

    @Override
    public void close() {
        ward.close();
        try (var files = Files.walk(dataDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
