package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.crypto.Secrets;
import dev.ward.session.Session;
import dev.ward.session.SessionService;
import dev.ward.store.redis.RedisServers;
import dev.ward.store.redis.RedisSessionStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Fault injection (issue 17): two {@code ward serve} processes in production mode, PostgreSQL behind a relay the test
 * drops, stops and blackholes, a Redis of the test's own that it kills with SIGKILL and restarts empty, and a node
 * killed with SIGKILL in the middle of its requests. Login, logout, rotation, admin revoke, user disable and MFA
 * verify run under each fault; afterwards (stores healed, interrupted changes repaired) every outcome must be one of
 * two — done and audited, or not done — with no orphan session, no revoked session answering valid, no user signed
 * out by a rotation they never received, the concurrent limit never exceeded, and every call answered in bounded time.
 *
 * <p>Tagged {@code faults}: {@code ./ward test --faults} runs it alone; the whole suite runs it too. The figures it
 * prints are copied into docs/operations.md ("Fault injection").
 */
@Tag("faults")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultInjectionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PW = "Fault-Injection-Pass-7!";
    /** Every call under a fault that is not a blackhole must end within this (PostgreSQL pool and Redis timeouts are 3 s). */
    private static final Duration CALL_BOUND = Duration.ofSeconds(10);
    /** How long the blackhole scenario holds PostgreSQL's traffic. */
    private static final Duration PAUSE = Duration.ofSeconds(8);
    /** Intents older than this were missed by the nodes' own repair (REPAIR_AFTER, plus two runs of the 5 s schedule, plus slack). */
    private static final Duration ORPHAN_AGE = SessionService.REPAIR_AFTER.plusSeconds(15);

    /** Tenants: the concurrent limit and what happens at it, rotation at every use, and MFA. */
    private static final String REJECT = "reject", EVICT = "evict", ROTATE = "rotate", MFA = "mfa";
    private static final Map<String, Integer> LIMIT = Map.of(REJECT, 3, EVICT, 2, ROTATE, 50, MFA, 50);

    private PostgresSchema schema;
    private TcpProxy pg;
    private RedisServers redis;
    private TestWard observer;
    private FaultNode a;
    private FaultNode b;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final Map<String, String> apiKeys = new HashMap<>();
    /** "tenant/username" → user id. */
    private final Map<String, String> userIds = new ConcurrentHashMap<>();
    /** MFA users' unused backup codes. */
    private final Map<String, ConcurrentLinkedQueue<String>> backupCodes = new ConcurrentHashMap<>();
    /** login.succeeded events per user id written during set-up (the MFA users' enrolment logins). */
    private final Map<String, Long> loginsBefore = new HashMap<>();
    private final AtomicInteger disableUsers = new AtomicInteger();
    /** Bumped when Redis is killed: sessions from before it are gone, legitimately. */
    private volatile int redisEpoch;

    /** One request and its answer. */
    record Attempt(String scenario, String op, String node, int status, long millis, String tenant, String user,
                   String sessionId, boolean rotated) {}

    /** A session as its holder knows it: the latest token it was given. */
    static final class Life {
        final String tenant;
        final String user;
        final int epoch;
        String sessionId;
        String token;
        /** Ended by a call that answered 2xx (logout, admin revoke, disable). */
        boolean endedOk;
        int rotations;

        Life(String tenant, String user, int epoch) {
            this.tenant = tenant;
            this.user = user;
            this.epoch = epoch;
        }
    }

    private final List<Attempt> attempts = new CopyOnWriteArrayList<>();
    private final List<Life> lives = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    /** Operations whose preparation failed (they are not counted); a few are expected while a store is down. */
    private final List<String> harnessErrors = new CopyOnWriteArrayList<>();
    /** Each scenario's start and end, to place what the checks find. */
    private final Map<String, Instant[]> windows = new ConcurrentHashMap<>();
    private final Map<String, List<Long>> latencyByScenario = new ConcurrentHashMap<>();
    private volatile String scenario = "setup";
    private volatile String adminToken;

    // ---------------------------------------------------------------- set-up

    @BeforeAll
    void start() throws Exception {
        schema = PostgresSchema.create(getClass().getSimpleName());
        redis = RedisServers.standalone(getClass().getSimpleName());
        pg = new TcpProxy(5432);
        String master = Base64.getEncoder().encodeToString(Secrets.randomBytes(32));
        // The observer: in this JVM, straight to PostgreSQL (no relay), for set-up, reading Redis, and the final repair
        // with its clock moved past the repair window. It bootstraps the administrator, with MFA required of nobody.
        observer = TestWard.configured(schema.url(), master, Optional.of(redis.url()), c -> c);
        observer.clock.set(Instant.now());
        // The administrator signs in on each node again after faults: no eviction of the observer's own session.
        TestWard.Response sys = observer.patch("/v1/admin/tenants/system", TestWard.json(Map.of("policy", Map.of("session",
                Map.of("max_concurrent", 1000)))), observer.adminToken());
        assertThat(sys.status()).as(sys.raw()).isEqualTo(200);
        Map<String, String> env = Map.of(
                // prepareThreshold=0: every statement travels with its text, which the relay's drops at a chosen statement need.
                "WARD_DATABASE_URL", "jdbc:postgresql://127.0.0.1:" + pg.port() + "/test?user=postgres&prepareThreshold=0&currentSchema="
                        + schema.name,
                "WARD_REDIS_URL", redis.url(),
                "WARD_MASTER_KEY", master,
                "WARD_LOGIN_RATE_PER_IP", "1000000",
                "WARD_LOGIN_RATE_PER_USERNAME", "1000000",
                "WARD_ARGON2_MEMORY_KIB", "19456",
                "WARD_ARGON2_ITERATIONS", "2",
                "WARD_HASHING_QUEUE", "64",
                "WARD_ACCESS_LOG_LEVEL", "WARN");
        // The nodes start (migrations done, administrator made) while the tenants and users are set up.
        var startingA = java.util.concurrent.CompletableFuture.supplyAsync(() -> new FaultNode("a", env));
        var startingB = java.util.concurrent.CompletableFuture.supplyAsync(() -> new FaultNode("b", env));
        observer.createTenant(REJECT, policy(Map.of("max_concurrent", LIMIT.get(REJECT), "on_limit", "reject")));
        observer.createTenant(EVICT, policy(Map.of("max_concurrent", LIMIT.get(EVICT), "on_limit", "evict_oldest")));
        observer.createTenant(ROTATE, policy(Map.of("max_concurrent", LIMIT.get(ROTATE), "rotate_after_uses", 1,
                "rotation_grace_seconds", 1)));
        observer.createTenant(MFA, policy(Map.of("max_concurrent", LIMIT.get(MFA))));
        for (String t : List.of(REJECT, EVICT, ROTATE, MFA)) {
            apiKeys.put(t, observer.createApiKey(t, "sessions"));
            for (int i = 0; i < (t.equals(MFA) ? 6 : 4); i++) {
                userIds.put(t + "/" + t.charAt(0) + i, observer.createUser(t, t.charAt(0) + "" + i, PW, "staff"));
            }
        }
        for (int i = 0; i < 6; i++) {
            enrolMfa("m" + i); // m0-m3 for the bursts, m4 and m5 for the sweep
        }
        for (Map<String, Object> r : rows("SELECT user_id, COUNT(*) AS n FROM audit_events WHERE type = 'login.succeeded' "
                + "AND user_id IS NOT NULL GROUP BY user_id")) {
            loginsBefore.put((String) r.get("user_id"), ((Number) r.get("n")).longValue());
        }
        // Both are awaited before either failure is raised: a node that started must be stopped by stop() even when its
        // sibling did not start (a leaked node kept running for an hour once, holding connections and a port).
        try {
            a = startingA.join();
        } finally {
            try {
                b = startingB.join();
            } catch (RuntimeException failed) {
                if (a != null) {
                    throw failed;
                }
            }
        }
    }

    private static Map<String, Object> policy(Map<String, Object> session) {
        return Map.of("mfa", Map.of("required_roles", List.of()), "session", session);
    }

    /** TOTP enrolled through the observer; its ten backup codes are the second factors the scenarios spend. */
    private void enrolMfa(String username) {
        String token = observer.login(MFA, username, PW);
        String secret = observer.post("/v1/me/mfa/totp/setup", TestWard.json(Map.of("current_password", PW)), token).text("secret");
        TestWard.Response confirmed = observer.post("/v1/me/mfa/totp/confirm", TestWard.json(Map.of("code",
                IndependentTotp.at(secret, observer.clock.instant()))), token);
        assertThat(confirmed.status()).as(confirmed.raw()).isEqualTo(200);
        ConcurrentLinkedQueue<String> codes = new ConcurrentLinkedQueue<>();
        confirmed.json().path("backup_codes").forEach(c -> codes.add(c.asText()));
        backupCodes.put(username, codes);
        observer.post("/v1/auth/logout", null, token);
    }

    @AfterAll
    void stop() throws Exception {
        for (FaultNode n : new FaultNode[] {a, b}) {
            if (n != null) {
                Files.writeString(Path.of("target", "fault-node-" + n.name + ".log"), n.output(), StandardCharsets.UTF_8);
            }
        }
        for (AutoCloseable c : new AutoCloseable[] {a, b, observer, pg, redis, schema}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // the rest still closes
                }
            }
        }
    }

    // ---------------------------------------------------------------- HTTP

    record Answer(int status, JsonNode json, long millis) {
        String text(String field) { return json == null ? null : json.path(field).asText(null); }

        String code() { return text("code"); }
    }

    /** A call; status 0 when no answer came (connection refused or reset: the node died). */
    private Answer call(FaultNode node, String method, String path, Object body, String bearer) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(node.base() + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(TestWard.json(body)));
        if (body != null) {
            r.header("Content-Type", "application/json");
        }
        if (bearer != null) {
            r.header("Authorization", "Bearer " + bearer);
        }
        long start = System.nanoTime();
        try {
            HttpResponse<String> res = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
            long ms = (System.nanoTime() - start) / 1_000_000;
            JsonNode json = null;
            if (!res.body().isEmpty()) {
                try {
                    json = JSON.readTree(res.body());
                } catch (IOException notJson) {
                    json = null;
                }
            }
            return new Answer(res.statusCode(), json, ms);
        } catch (IOException e) {
            return new Answer(0, null, (System.nanoTime() - start) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Answer record(String op, FaultNode node, Answer answer, Life life, boolean rotated) {
        lastStatus = answer.status();
        attempts.add(new Attempt(scenario, op, node.name, answer.status(), answer.millis(), life == null ? null : life.tenant,
                life == null ? null : life.user, life == null ? null : life.sessionId, rotated));
        latencyByScenario.computeIfAbsent(scenario, s -> new CopyOnWriteArrayList<>()).add(answer.millis());
        if (answer.status() >= 500 && answer.status() != 503) {
            violations.add(scenario + ": " + op + " on " + node.name + " answered " + answer.status() + " " + answer.json());
        }
        if (answer.status() == 503 && !"store_unavailable".equals(answer.code()) && !"overloaded".equals(answer.code())) {
            // Any 503 is a refusal; note the code for the figures.
            attempts.add(new Attempt(scenario, op + ":503:" + answer.code(), node.name, -1, 0, null, null, null, false));
        }
        return answer;
    }

    private String admin(FaultNode node) {
        String t = adminToken;
        if (t != null) {
            return t;
        }
        Answer r = call(node, "POST", "/v1/auth/login", Map.of("tenant", "system", "username", "admin", "password", TestWard.ADMIN_PASSWORD), null);
        if (r.status() == 200) {
            adminToken = r.text("token");
        }
        return adminToken;
    }

    // ---------------------------------------------------------------- operations

    /** Login (and, in the MFA tenant, the second factor): a new life, or null when refused. */
    private Life login(String tenant, String user, FaultNode node) {
        Life life = new Life(tenant, user, redisEpoch);
        Answer r = call(node, "POST", "/v1/auth/login", Map.of("tenant", tenant, "username", user, "password", PW), null);
        if (!tenant.equals(MFA)) {
            boolean ok = r.status() == 200 && r.json() != null && "authenticated".equals(r.text("status"));
            if (ok) {
                alive(life, r);
            }
            record("login", node, r, life, false);
            return ok ? life : null;
        }
        record("login(mfa step 1)", node, r, life, false);
        if (r.status() != 200 || !"mfa_required".equals(r.text("status"))) {
            return null;
        }
        String code = backupCodes.get(user).poll();
        if (code == null) {
            return null;
        }
        return verify(life, node, r.text("challenge"), code) ? life : null;
    }

    /** The second step of an MFA login, with a backup code. */
    private boolean verify(Life life, FaultNode node, String challenge, String code) {
        Answer v = call(node, "POST", "/v1/auth/mfa/verify", Map.of("challenge", challenge, "code", code), null);
        if (v.status() == 200) {
            alive(life, v);
        }
        record("mfa_verify", node, v, life, false);
        return v.status() == 200;
    }

    /** A session handed out: its holder keeps the token and its id. */
    private void alive(Life life, Answer r) {
        life.token = r.text("token");
        life.sessionId = r.json().path("session").path("id").asText();
        lives.add(life);
    }

    /** A validation by the app (API key); takes the rotated token when one is handed out. */
    private void validate(Life life, FaultNode node) {
        Answer r = call(node, "POST", "/v1/sessions/validate", Map.of("token", life.token), apiKeys.get(life.tenant));
        String fresh = r.status() == 200 ? r.text("rotated_token") : null;
        record("validate" + (life.tenant.equals(ROTATE) ? "(rotation)" : ""), node, r, life, fresh != null);
        if (fresh != null) {
            life.token = fresh;
            life.rotations++;
        }
    }

    private void logout(Life life, FaultNode node) {
        Answer r = record("logout", node, call(node, "POST", "/v1/auth/logout", null, life.token), life, false);
        life.endedOk |= r.status() == 204;
    }

    private void adminRevoke(Life life, FaultNode node) {
        String admin = admin(node);
        if (admin == null) {
            return;
        }
        Answer r = call(node, "DELETE", "/v1/admin/sessions/" + life.sessionId, null, admin);
        if (r.status() == 401) {
            adminToken = null; // its own session was lost with Redis; not an answer about the target
            return;
        }
        record("admin_revoke", node, r, life, false);
        life.endedOk |= r.status() == 204;
    }

    /** A fresh user with a session on each node, about to be disabled. */
    record Disabling(String user, String id, List<Life> held) {}

    private Disabling prepareDisable(FaultNode node, FaultNode other) {
        String user = "d" + disableUsers.getAndIncrement();
        TestWard.Response created = observe("POST", "/v1/admin/tenants/" + REJECT + "/users",
                Map.of("username", user, "password", PW, "roles", List.of("staff")));
        assertThat(created.status()).as(created.raw()).isEqualTo(201);
        String id = created.text("id");
        userIds.put(REJECT + "/" + user, id);
        List<Life> held = new ArrayList<>();
        for (FaultNode n : List.of(node, other)) {
            Life l = login(REJECT, user, n);
            if (l != null) {
                held.add(l);
            }
        }
        admin(node);
        return new Disabling(user, id, held);
    }

    private void disable(Disabling d, FaultNode node) {
        String admin = admin(node);
        if (admin == null) {
            return;
        }
        Answer r = call(node, "POST", "/v1/admin/tenants/" + REJECT + "/users/" + d.id() + "/disable", null, admin);
        if (r.status() == 401) {
            adminToken = null;
            return;
        }
        record("disable", node, r, new Life(REJECT, d.user(), redisEpoch), false);
        if (r.status() == 204) {
            d.held().forEach(l -> l.endedOk = true);
        }
    }

    /** One session's life on random nodes: sign in, be validated, end (or, sometimes, stay). */
    private void cycle(Random rnd) {
        List<FaultNode> nodes = List.of(a, b);
        String tenant = List.of(REJECT, EVICT, ROTATE, MFA).get(rnd.nextInt(4));
        String user = tenant.charAt(0) + "" + rnd.nextInt(4);
        Life life = login(tenant, user, nodes.get(rnd.nextInt(2)));
        if (life == null) {
            return;
        }
        int uses = tenant.equals(ROTATE) ? 1 + rnd.nextInt(3) : 1;
        for (int i = 0; i < uses; i++) {
            validate(life, nodes.get(rnd.nextInt(2)));
        }
        int end = rnd.nextInt(10);
        if (end < 5) {
            logout(life, nodes.get(rnd.nextInt(2)));
        } else if (end < 9 || tenant.equals(REJECT)) {
            adminRevoke(life, nodes.get(rnd.nextInt(2)));
        }
        // else the session stays (under evict_oldest, the next logins push it out)
    }

    /**
     * {@code threads} clients running {@link #cycle} against both nodes for {@code length}, while {@code fault} runs
     * beside them; one client also disables a fresh user now and then.
     */
    private void burst(String name, Duration length, int threads, Runnable fault) throws Exception {
        scenario = name;
        windows.put(name, new Instant[] {Instant.now(), null});
        adminToken = null;
        long until = System.nanoTime() + length.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        List<Future<?>> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Random rnd = new Random(name.hashCode() * 31L + t);
            int id = t;
            running.add(pool.submit(() -> {
                int n = 0;
                while (System.nanoTime() < until) {
                    try {
                        if (id == 0 && n++ % 4 == 0) {
                            FaultNode node = rnd.nextBoolean() ? a : b;
                            disable(prepareDisable(node, node == a ? b : a), node);
                        } else {
                            cycle(rnd);
                        }
                    } catch (RuntimeException | AssertionError e) {
                        // The set-up of an operation failed (its store was down): the test's own problem, not Ward's answer.
                        harnessErrors.add(name + ": " + e);
                    }
                }
                return null;
            }));
        }
        running.add(pool.submit(() -> {
            fault.run();
            return null;
        }));
        for (Future<?> f : running) {
            f.get();
        }
        pool.shutdown();
        windows.get(name)[1] = Instant.now();
        checkLimits();
    }

    private static void sleep(long ms) {
        try {
            // Placing a fault in real time against real processes: there is no clock to move.
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- scenarios

    /** One operation of the sweep: its preparation (unarmed), then the call under test. */
    private interface Step {
        Object prepare(FaultNode node, FaultNode other);

        void act(Object prepared, FaultNode node);
    }

    /**
     * Every {@code faults.stride}-th statement of each operation is dropped (default 3, to keep the suite within its
     * minutes), starting at one {@code faults.seed} picks (default: the clock; printed, so a failure can be run again).
     * {@code -Dfaults.stride=1} drops at every statement. Passed through Surefire: {@code -DargLine="-Dfaults.stride=1"}.
     */
    private static final int STRIDE = Integer.getInteger("faults.stride", 3);
    private static final int SEED = Integer.getInteger("faults.seed", (int) (System.currentTimeMillis() % 1000));

    /** The longest request is bounded in writes; past this, a sweep that still fires is background traffic. */
    private static final int MAX_STEPS = 16;

    /**
     * PostgreSQL dropped at each step of each operation: the relay drops every connection just before the operation's
     * first write to PostgreSQL, then (from a fresh start) its second, and so on, until the operation finishes without
     * reaching the armed write: every point between two statements, the intent, the records and the commit included.
     */
    @Test
    @Order(1)
    void postgresDroppedAtEachStepOfEachOperation() {
        scenario = "postgres dropped at step n";
        windows.put(scenario, new Instant[] {Instant.now(), null});
        AtomicInteger turn = new AtomicInteger();
        Map<String, Step> steps = new java.util.LinkedHashMap<>();
        steps.put("login", step((node, other) -> REJECT, (tenant, node) -> {
            Life in = login((String) tenant, "r" + turn.incrementAndGet() % 4, node);
            if (in != null) {
                ready(() -> {
                    // Unarmed, to stay under the limit. A 401: an earlier try that answered 503 ended it after all.
                    Answer r = call(node == a ? b : a, "POST", "/v1/auth/logout", null, in.token);
                    in.endedOk |= r.status() == 204;
                    return r.status() == 204 || r.status() == 401 ? in : null;
                });
            }
        }));
        steps.put("logout", step((node, other) -> ready(() -> login(EVICT, "e" + turn.incrementAndGet() % 4, other)),
                (life, node) -> logout((Life) life, node)));
        steps.put("rotation", step((node, other) -> ready(() -> login(ROTATE, "r" + turn.incrementAndGet() % 4, other)),
                (life, node) -> validate((Life) life, node)));
        steps.put("admin revoke", step((node, other) -> {
            Life l = ready(() -> login(EVICT, "e" + turn.incrementAndGet() % 4, other));
            ready(() -> admin(node));
            return l;
        }, (life, node) -> adminRevoke((Life) life, node)));
        steps.put("disable", step((node, other) -> ready(() -> {
            Disabling d = prepareDisable(node, other);
            return d.held().size() == 2 && admin(node) != null ? d : null;
        }), (d, node) -> disable((Disabling) d, node)));
        steps.put("mfa verify", step((node, other) -> {
            String user = "m" + (4 + turn.incrementAndGet() % 2);
            Answer first = ready(() -> {
                Answer f = call(other, "POST", "/v1/auth/login", Map.of("tenant", MFA, "username", user, "password", PW), null);
                return f.status() == 200 ? f : null;
            });
            return new String[] {user, first.text("challenge"), backupCodes.get(user).poll()};
        }, (p, node) -> {
            String[] u = (String[]) p;
            if (u[2] == null) {
                return; // out of backup codes
            }
            verify(new Life(MFA, u[0], redisEpoch), node, u[1], u[2]);
        }));
        int k = 0;
        for (var e : steps.entrySet()) {
            FaultNode node = k++ % 2 == 0 ? a : b;
            FaultNode other = node == a ? b : a;
            Step step = e.getValue();
            // Before each write to PostgreSQL in turn, until the operation completes without reaching the armed one.
            int n = sweep(1 + Math.floorMod(SEED + k, STRIDE), STRIDE, MAX_STEPS, i -> pg.dropAfterWrites(i), pg::dropFired, step, node, other);
            // Each COMMIT carried out with its answer lost: the commit in doubt.
            int c = sweep(1, 1, 4, i -> pg.dropAfterForwarding("COMMIT", i), pg::forwardDropFired, step, node, other);
            sweptSteps.put(e.getKey(), n + " writes, " + c + " commits");
        }
        windows.get(scenario)[1] = Instant.now();
        checkLimits();
    }

    /** Steps at which each operation was dropped (its writes to PostgreSQL, its commits), for the figures. */
    private final Map<String, String> sweptSteps = new java.util.LinkedHashMap<>();

    /**
     * Runs {@code step} with the fault armed at point 1, 2, … until it completes without reaching the armed point (so
     * every point of it has had its fault); answers how many points it had. A run that failed before the armed point
     * for another reason (the pool still reconnecting after the last drop) is run again.
     */
    private int sweep(int from, int stride, int max, java.util.function.IntConsumer arm, java.util.function.BooleanSupplier fired, Step step,
                      FaultNode node, FaultNode other) {
        int i = from;
        int retries = 0;
        while (i <= max) {
            Object prepared = step.prepare(node, other);
            lastStatus = -1;
            arm.accept(i);
            step.act(prepared, node);
            boolean hit = fired.getAsBoolean();
            pg.disarmDrop();
            if (hit) {
                i += stride;
                retries = 0;
            } else if ((lastStatus == 503 || lastStatus == 0) && retries++ < 2) {
                sleep(300);
            } else {
                break;
            }
        }
        return i - stride;
    }

    /** The status of the last answer recorded (the sweep runs one operation at a time). */
    private volatile int lastStatus;

    private static Step step(java.util.function.BiFunction<FaultNode, FaultNode, Object> prepare,
                             java.util.function.BiConsumer<Object, FaultNode> act) {
        return new Step() {
            @Override
            public Object prepare(FaultNode node, FaultNode other) { return prepare.apply(node, other); }

            @Override
            public void act(Object prepared, FaultNode node) { act.accept(prepared, node); }
        };
    }

    /** Preparation outside the fault: retried while the pool reconnects after the last drop. */
    private <T> T ready(java.util.function.Supplier<T> prepare) {
        for (int i = 0; i < 20; i++) {
            T l = prepare.get();
            if (l != null) {
                return l;
            }
            sleep(200);
        }
        throw new AssertionError("could not prepare the next operation after a drop (20 tries)");
    }

    @Test
    @Order(2)
    void postgresDroppedAndStoppedUnderLoad() throws Exception {
        burst("postgres dropped under load", Duration.ofSeconds(6), 4, () -> {
            for (int i = 0; i < 4; i++) {
                sleep(700 + i * 150L);
                pg.dropConnections();
            }
        });
        burst("postgres stopped (refusing) 2 s", Duration.ofSeconds(6), 4, () -> {
            sleep(2000);
            pg.cut();
            sleep(2000);
            pg.restore();
        });
    }

    @Test
    @Order(3)
    void redisKilledAndRestartedEmpty() throws Exception {
        burst("redis kill -9, restarted empty", Duration.ofSeconds(7), 4, () -> {
            sleep(2500);
            redisEpoch++;
            redis.stop();
            sleep(1500);
            redis.restart();
        });
        adminToken = null;
    }

    @Test
    @Order(4)
    void oneNodeKilledInTheMiddleOfItsRequests() throws Exception {
        burst("node a kill -9", Duration.ofSeconds(7), 6, () -> {
            sleep(2500);
            a.kill9();
            a.start();
        });
    }

    /**
     * PostgreSQL blackholed (connections open, nothing answered) for {@link #PAUSE}: every call ends well before the
     * pause does (issue 17 item 4: ≈3 s per call with 503 store_unavailable, readiness within 1 s). The bounds leave
     * room for a loaded CI machine but stay below the pause, so a call or probe that waits the pause out fails here.
     */
    @Test
    @Order(5)
    void postgresPausedEveryCallEndsInBoundedTime() throws Exception {
        List<Long> ready = new CopyOnWriteArrayList<>();
        burst("postgres paused " + PAUSE.toSeconds() + " s", Duration.ofSeconds(9), 4, () -> {
            sleep(2000);
            pg.pause();
            // Readiness probed beside the pause, never in its way: a probe that hangs must not hold the pause longer.
            Thread probes = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 3; i++) {
                    ready.add(call(i % 2 == 0 ? a : b, "GET", "/health/ready", null, null).millis());
                    sleep(500);
                }
            });
            sleep(PAUSE.toMillis());
            pg.resume();
            try {
                probes.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        List<Long> calls = latencyByScenario.get(scenario);
        System.out.printf("FAULTS paused PostgreSQL: %d calls, slowest %d ms; readiness probes %s ms%n", calls.size(),
                Collections.max(calls), ready);
        assertThat(Collections.max(calls)).as("slowest call while PostgreSQL was paused (ms)").isLessThanOrEqualTo(PAUSED_CALL_BOUND.toMillis());
        assertThat(ready).as("readiness answers while PostgreSQL is paused (ms)").isNotEmpty()
                .allSatisfy(ms -> assertThat(ms).isLessThanOrEqualTo(PAUSED_READY_BOUND.toMillis()));
    }

    /** See {@link #postgresPausedEveryCallEndsInBoundedTime}: below the pause, with room for a loaded machine. */
    private static final Duration PAUSED_CALL_BOUND = Duration.ofSeconds(6);
    private static final Duration PAUSED_READY_BOUND = Duration.ofSeconds(3);

    // ---------------------------------------------------------------- the invariants

    /** The concurrent limit, sampled after each scenario: never more live sessions than the tenant allows. */
    private void checkLimits() {
        awaitReady();
        for (var e : userIds.entrySet()) {
            String tenant = e.getKey().split("/")[0];
            List<String> live = liveSessions(tenant, e.getValue());
            if (live.size() > LIMIT.get(tenant)) {
                violations.add(scenario + ": " + e.getKey() + " has " + live.size() + " live sessions, limit " + LIMIT.get(tenant));
            }
        }
    }

    private String observerAdmin;
    private long retriesPending;

    /** A read through the observer as the administrator (whose session a Redis kill may have taken). */
    private TestWard.Response observe(String path) { return observe("GET", path, null); }

    private synchronized TestWard.Response observe(String method, String path, Object body) {
        for (int attempt = 0; ; attempt++) {
            if (observerAdmin == null) {
                observerAdmin = observer.login("system", "admin", TestWard.ADMIN_PASSWORD);
            }
            TestWard.Response r = observer.send(method, path, body == null ? null : TestWard.json(body), "Authorization", "Bearer " + observerAdmin);
            if (r.status() != 401 || attempt > 2) {
                return r;
            }
            observerAdmin = null;
        }
    }

    private List<String> liveSessions(String tenant, String userId) {
        TestWard.Response r = observe("/v1/admin/sessions?tenant=" + tenant + "&user_id=" + userId);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        r.json().path("sessions").forEach(s -> ids.add(s.path("id").asText()));
        return ids;
    }

    /** Both nodes ready again (stores back): checks read through them. */
    private void awaitReady() {
        for (FaultNode n : List.of(a, b)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (call(n, "GET", "/health/ready", null, null).status() != 200) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("node " + n.name + " not ready 30 s after the faults ended:\n" + n.output());
                }
                sleep(200);
            }
        }
    }

    @Test
    @Order(99)
    void everyOutcomeIsDoneAndAuditedOrNotDone() throws Exception {
        scenario = "checks";
        pg.resume();
        pg.disarmDrop();
        awaitReady();
        // Interrupted changes the nodes should have repaired by themselves by now: none unclaimed past the window, and
        // none whose claim (by a repair that failed, say while a store was down) has gone stale without being taken again.
        long old = Instant.now().minus(ORPHAN_AGE).toEpochMilli();
        for (Map<String, Object> i : rows("SELECT id, kind, begun_at, claimed_by, claimed_at FROM session_intents WHERE begun_at < " + old
                + " AND (claimed_at IS NULL OR claimed_at < " + old + ")")) {
            violations.add("intent " + i + " (begun during " + during(Instant.ofEpochMilli(((Number) i.get("begun_at")).longValue()))
                    + ") not repaired by the nodes within " + ORPHAN_AGE.toSeconds() + " s");
        }
        retriesPending = count("SELECT COUNT(*) FROM session_intents WHERE claimed_at IS NOT NULL");
        long pending = count("SELECT COUNT(*) FROM session_intents");
        // The rest: the observer repairs as a node would once the window has passed (its clock moved past it).
        observer.clock.set(Instant.now().plus(SessionService.REPAIR_AFTER).plusSeconds(1));
        int repaired = 0;
        for (int n; (n = observer.ward.repairSessionsNow()) > 0; ) {
            repaired += n;
        }
        assertThat(count("SELECT COUNT(*) FROM session_intents")).as("intents left after the repair").isZero();

        Audit audit = new Audit(rows("SELECT type, session_id, user_id, tenant_id, details FROM audit_events WHERE tenant_id IN ('"
                + String.join("','", LIMIT.keySet()) + "')"));
        checkAttempts(audit);
        checkLives(audit);
        checkSessionsAgainstAudit(audit);
        checkLimits();

        String figures = figures(pending, repaired);
        System.out.println(figures);
        Path out = Path.of("target", "fault-injection-figures.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, figures + "\nviolations:\n" + String.join("\n", violations) + "\n\nnot prepared:\n"
                + String.join("\n", harnessErrors) + "\n", StandardCharsets.UTF_8);
        assertThat(violations).as("violations (figures in " + out.toAbsolutePath() + ")").isEmpty();
    }

    /** The audit trail of the test tenants, by session and by user. */
    static final class Audit {
        final Map<String, List<String>> bySession = new HashMap<>();
        final Map<String, List<String>> byUser = new HashMap<>();
        final List<String> created = new ArrayList<>();
        /** Sessions ended because their login's answer was a refusal although its records committed (decision 0015). */
        final java.util.Set<String> answerLost = new java.util.HashSet<>();
        /** login.succeeded events per user whose session was then ended {@code answer_lost}: logins answered 503. */
        final Map<String, Long> lostLoginsByUser = new HashMap<>();

        Audit(List<Map<String, Object>> rows) {
            for (Map<String, Object> r : rows) {
                if ("session.revoked".equals(r.get("type")) && String.valueOf(r.get("details")).contains("\"answer_lost\"")) {
                    answerLost.add((String) r.get("session_id"));
                }
            }
            for (Map<String, Object> r : rows) {
                if ("login.succeeded".equals(r.get("type")) && answerLost.contains((String) r.get("session_id"))) {
                    lostLoginsByUser.merge((String) r.get("user_id"), 1L, Long::sum);
                }
                String type = (String) r.get("type");
                String session = (String) r.get("session_id");
                if (session != null) {
                    bySession.computeIfAbsent(session, s -> new ArrayList<>()).add(type);
                    if (type.equals("session.created")) {
                        created.add(r.get("tenant_id") + "/" + session);
                    }
                }
                if (r.get("user_id") != null) {
                    byUser.computeIfAbsent((String) r.get("user_id"), s -> new ArrayList<>()).add(type);
                }
            }
        }

        boolean has(String session, String type) { return bySession.getOrDefault(session, List.of()).contains(type); }

        long count(String session, String type) { return bySession.getOrDefault(session, List.of()).stream().filter(type::equals).count(); }

        long countForUser(String userId, String type) { return byUser.getOrDefault(userId, List.of()).stream().filter(type::equals).count(); }
    }

    /** Each answer against the trail: a success left its events; a refusal left none of a login's. */
    private void checkAttempts(Audit audit) {
        Map<String, int[]> logins = new HashMap<>(); // user id → {answered 200, no answer}
        Map<String, Integer> rotationsSeen = new HashMap<>();
        for (Attempt t : attempts) {
            if (t.status() < 0) {
                continue;
            }
            String what = t.scenario() + ": " + t.op() + " " + t.status() + " on " + t.node() + " (" + t.tenant() + "/" + t.user() + ")";
            String userId = t.user() == null ? null : userIds.get(t.tenant() + "/" + t.user());
            boolean authenticates = t.op().equals("login") || t.op().equals("mfa_verify");
            if (authenticates && userId != null) {
                int[] c = logins.computeIfAbsent(userId, k -> new int[2]);
                c[0] += t.status() == 200 ? 1 : 0;
                c[1] += t.status() == 0 ? 1 : 0;
            }
            if (authenticates && t.status() == 200) {
                if (audit.answerLost.contains(t.sessionId())) {
                    violations.add(what + ": answered 200, yet its session was ended answer_lost");
                }
                for (String type : List.of("session.created", "login.succeeded")) {
                    if (!audit.has(t.sessionId(), type)) {
                        violations.add(what + ": no " + type + " for " + t.sessionId());
                    }
                }
            }
            if ((t.op().equals("logout") || t.op().equals("admin_revoke")) && t.status() == 204 && !audit.has(t.sessionId(), "session.revoked")) {
                violations.add(what + ": answered 204, no session.revoked for " + t.sessionId());
            }
            if (t.rotated()) {
                rotationsSeen.merge(t.sessionId(), 1, Integer::sum);
            }
            if (t.op().equals("disable") && userId != null) {
                boolean audited = audit.countForUser(userId, "admin.user_disabled") > 0;
                String status = observe("/v1/admin/tenants/" + REJECT + "/users/" + userId).text("status");
                if (t.status() == 204 && !audited) {
                    violations.add(what + ": answered 204, no admin.user_disabled");
                }
                if (audited != "disabled".equals(status)) {
                    violations.add(what + ": status " + status + " but admin.user_disabled " + (audited ? "written" : "missing"));
                }
                if (audited && !liveSessions(REJECT, userId).isEmpty()) {
                    violations.add(what + ": disabled, yet live sessions remain");
                }
                if (t.status() == 204 && loginAnswers(REJECT, t.user()) != 401) {
                    violations.add(what + ": disabled, yet a login is not refused");
                }
            }
        }
        rotationsSeen.forEach((session, n) -> {
            if (audit.count(session, "session.rotated") < n) {
                violations.add("session " + session + ": " + n + " rotated tokens handed out, "
                        + audit.count(session, "session.rotated") + " session.rotated events");
            }
        });
        logins.forEach((userId, c) -> {
            // A login answered 503 whose records committed unseen is recorded so, by its session's end (answer_lost).
            long events = audit.countForUser(userId, "login.succeeded") - loginsBefore.getOrDefault(userId, 0L)
                    - audit.lostLoginsByUser.getOrDefault(userId, 0L);
            if (events < c[0] || events > c[0] + c[1]) {
                violations.add("user " + userId + ": " + c[0] + " logins answered 200 (" + c[1] + " unanswered), "
                        + events + " login.succeeded events; its attempts: " + attemptsOf(userId)
                        + "; its trail: " + audit.byUser.getOrDefault(userId, List.of()));
            }
        });
    }

    /** What was asked for the user and how it was answered (scenario, operation, status, node), for a violation's message. */
    private List<String> attemptsOf(String userId) {
        List<String> out = new ArrayList<>();
        for (Attempt t : attempts) {
            if (t.user() != null && userId.equals(userIds.get(t.tenant() + "/" + t.user()))) {
                out.add(t.scenario() + ": " + t.op() + " " + t.status() + " on " + t.node() + " after " + t.millis() + " ms");
            }
        }
        return out;
    }

    private int loginAnswers(String tenant, String user) {
        return call(b, "POST", "/v1/auth/login", Map.of("tenant", tenant, "username", user, "password", PW), null).status();
    }

    /**
     * Each session as its holder last knew it: still valid unless ended (and then audited), never signed out by a rotation
     * it did not receive, and gone without a trace only when Redis was lost since.
     */
    private void checkLives(Audit audit) {
        for (Life l : lives) {
            Answer r = call(b, "POST", "/v1/sessions/validate", Map.of("token", l.token), apiKeys.get(l.tenant));
            String what = "session " + l.sessionId + " (" + l.tenant + "/" + l.user + ", " + l.rotations + " rotations)";
            boolean revokedEvent = audit.has(l.sessionId, "session.revoked");
            if (r.status() == 200) {
                if (revokedEvent) {
                    violations.add(what + ": answers valid although session.revoked was recorded");
                }
                if (l.endedOk) {
                    violations.add(what + ": answers valid although its end answered 2xx");
                }
            } else if ("session_revoked".equals(r.code())) {
                if (!revokedEvent) {
                    violations.add(what + ": revoked (" + r.json().path("reason").asText() + ") with no session.revoked event");
                }
            } else if ("session_invalid".equals(r.code())) {
                if (l.epoch == redisEpoch) {
                    violations.add(what + ": vanished although Redis was not lost since its login");
                }
            } else if (l.epoch == redisEpoch) {
                violations.add(what + ": latest token answers " + r.status() + " " + r.code()
                        + " (signed out by a rotation never received?)");
            }
        }
    }

    /** Every session Redis holds for the test tenants against the trail: no orphan, no revoked one still live. */
    private void checkSessionsAgainstAudit(Audit audit) {
        RedisSessionStore store = new RedisSessionStore(observer.ward.core().redis().orElseThrow(), Ward.REDIS_PREFIX);
        Instant now = Instant.now();
        for (String created : audit.created) {
            String id = created.substring(created.indexOf('/') + 1);
            Optional<Session> s = store.findById(id);
            if (s.isEmpty()) {
                continue; // lost with Redis: counted in the figures
            }
            if (s.get().liveAt(now) && audit.has(id, "session.revoked")) {
                violations.add("session " + id + " is live although session.revoked was recorded");
            }
            if (!s.get().liveAt(now) && s.get().revokeReason() != null && !audit.has(id, "session.revoked")) {
                violations.add("session " + id + " revoked (" + s.get().revokeReason() + ") with no session.revoked event");
            }
        }
        for (var e : userIds.entrySet()) {
            for (String id : liveSessions(e.getKey().split("/")[0], e.getValue())) {
                if (!audit.has(id, "session.created")) {
                    Session o = store.findById(id).orElse(null);
                    violations.add("orphan: live session " + id + " of " + e.getKey() + " has no session.created"
                            + (o == null ? "" : " (created " + o.createdAt() + " during " + during(o.createdAt()) + ", uses " + o.uses()
                            + ", events " + audit.bySession.getOrDefault(id, List.of()) + ")"));
                }
            }
        }
    }

    private String during(Instant at) {
        return windows.entrySet().stream().filter(w -> !at.isBefore(w.getValue()[0]) && (w.getValue()[1] == null || !at.isAfter(w.getValue()[1])))
                .map(Map.Entry::getKey).findFirst().orElse("no scenario");
    }

    private String figures(long pending, long repaired) {
        Map<String, Map<Integer, Integer>> byOp = new TreeMap<>();
        Map<String, Map<Integer, Integer>> byScenario = new TreeMap<>();
        Map<Integer, Integer> byCode = new TreeMap<>();
        Map<String, Integer> refusals = new TreeMap<>();
        int requests = 0;
        for (Attempt t : attempts) {
            if (t.status() < 0) {
                refusals.merge(t.op().substring(t.op().indexOf(':') + 1), 1, Integer::sum);
                continue;
            }
            requests++;
            byCode.merge(t.status(), 1, Integer::sum);
            byOp.computeIfAbsent(t.op(), k -> new TreeMap<>()).merge(t.status(), 1, Integer::sum);
            byScenario.computeIfAbsent(t.scenario(), k -> new TreeMap<>()).merge(t.status(), 1, Integer::sum);
        }
        StringBuilder s = new StringBuilder("FAULTS figures\n");
        s.append("requests under faults: ").append(requests).append(" (status 0 = no answer: the node was killed)\n");
        s.append("answers by code: ").append(byCode).append('\n');
        byOp.forEach((op, codes) -> s.append("  ").append(op).append(": ").append(codes).append('\n'));
        byScenario.forEach((sc, codes) -> s.append("  during ").append(sc).append(": ").append(codes).append('\n'));
        if (!refusals.isEmpty()) {
            s.append("503s with another code than store_unavailable/overloaded: ").append(refusals).append('\n');
        }
        latencyByScenario.forEach((sc, ms) -> s.append("slowest answer, ").append(sc).append(": ").append(Collections.max(ms)).append(" ms\n"));
        s.append("PostgreSQL dropped before statements (every ").append(STRIDE).append(", seed ").append(SEED)
                .append(") and after commits of: ").append(sweptSteps).append('\n');
        s.append("sessions checked against the trail: ").append(lives.size()).append(" held by clients\n");
        s.append("intents left at the end: ").append(pending).append(" (").append(retriesPending)
                .append(" claimed by a repair that failed, awaiting its retry)").append(", repaired by the final repair: ").append(repaired).append('\n');
        s.append("operations not prepared (a store was down for their set-up): ").append(harnessErrors.size()).append('\n');
        s.append("violations: ").append(violations.size()).append('\n');
        return s.toString();
    }

    // ---------------------------------------------------------------- direct database reads (no relay)

    private List<Map<String, Object>> rows(String sql) throws SQLException {
        try (var c = DriverManager.getConnection(schema.url()); var st = c.createStatement(); var rs = st.executeQuery(sql)) {
            List<Map<String, Object>> out = new ArrayList<>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                Map<String, Object> row = new HashMap<>();
                for (int i = 1; i <= n; i++) {
                    row.put(rs.getMetaData().getColumnLabel(i).toLowerCase(), rs.getObject(i));
                }
                out.add(row);
            }
            return out;
        }
    }

    private long count(String sql) throws SQLException {
        return ((Number) rows(sql).getFirst().values().iterator().next()).longValue();
    }
}
