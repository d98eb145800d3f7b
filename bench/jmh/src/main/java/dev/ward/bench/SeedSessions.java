package dev.ward.bench;

import dev.ward.access.Actor;
import dev.ward.server.Config;
import dev.ward.server.Ward;
import dev.ward.session.Client;
import dev.ward.session.Opening;
import dev.ward.session.Validation;
import dev.ward.store.sql.SqlUserStore;
import dev.ward.tenant.Policy;
import dev.ward.user.User;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Many live sessions for a validation benchmark, made fast: through Ward's own services on the data directory (or the
 * databases) a server is about to use, before it starts — tenant {@code bench} with the plain validation path (no
 * rotation, no binding), an API key with scope {@code sessions}, users of {@value #PER_USER} sessions each, and the
 * sessions opened by {@code SessionService.open} (admission and its audit event, as a login makes them, without the
 * Argon2id a login pays: the users share one password hash, computed once). Every token is validated once before it is
 * written out, so a benchmark never measures a dead one.
 *
 * <p>Usage: {@code SeedSessions DATA_DIR N OUT_DIR}; the environment is the server's ({@code WARD_DATABASE_URL},
 * {@code WARD_REDIS_URL}, {@code WARD_MASTER_KEY}). Writes {@code OUT_DIR/api-key} and {@code OUT_DIR/tokens} (one a
 * line). Used by bench/run-wrk.sh with {@code SEED=store}.
 */
public final class SeedSessions {
    static final String TENANT = "bench";
    static final int PER_USER = 100;
    static final String PASSWORD = "Quartz-Lantern-Ferry-58!";

    private SeedSessions() {}

    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args[0]);
        int n = Integer.parseInt(args[1]);
        Path out = Path.of(args[2]);
        Map<String, String> env = new HashMap<>(System.getenv());
        Config config = Config.fromEnvironment(env, "127.0.0.1", 0, dataDir);
        long started = System.nanoTime();
        try (Ward.Core core = Ward.Core.open(config, Clock.systemUTC())) {
            Actor operator = new Actor.Operator();
            core.tenants().create(operator, TENANT, "Benchmark clinic", Map.of("session", Map.of(
                    "rotate_after_uses", 1_000_000_000L, "rotate_after_seconds", 86_400L, "binding", "off",
                    "idle_timeout_seconds", 86_400L, "max_concurrent", (long) PER_USER)));
            String apiKey = core.apiKeys().create(operator, TENANT, "bench app", List.of("sessions")).key();
            Actor.ApiKey app = core.apiKeys().authenticate(apiKey).orElseThrow();
            Policy policy = core.tenants().policyOf(TENANT);

            // One user made the ordinary way (its password hashed once); the others are copies of it under new ids.
            String firstId = core.users().create(operator, TENANT, "clinician0", PASSWORD, List.of("staff")).user().id();
            SqlUserStore users = new SqlUserStore(core.db());
            User first = users.find(TENANT, firstId).orElseThrow();
            int userCount = (n + PER_USER - 1) / PER_USER;
            List<User> all = new ArrayList<>(List.of(first));
            for (int u = 1; u < userCount; u++) {
                User copy = new User(TENANT, "usr_bench" + u, "clinician" + u, first.passwordHash(), first.roles(), false,
                        false, Instant.now());
                if (!users.insert(copy)) {
                    throw new IllegalStateException("user " + u + " exists already");
                }
                all.add(copy);
            }

            Client client = new Client("203.0.113.7", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0");
            String[] tokens = new String[n];
            // Users in parallel (each user's admissions are serialised by its own row lock anyway).
            try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
                List<Future<?>> done = new ArrayList<>();
                for (int u = 0; u < userCount; u++) {
                    User user = all.get(u);
                    int from = u * PER_USER;
                    int to = Math.min(n, from + PER_USER);
                    Runnable open = () -> {
                        for (int i = from; i < to; i++) {
                            Opening o = core.sessions().open(TENANT, user.id(), user.username(), user.roles(), 1, policy, client,
                                    opening -> { });
                            if (!(o instanceof Opening.Opened opened)) {
                                throw new IllegalStateException("session " + i + " was not opened: " + o);
                            }
                            tokens[i] = opened.issued().token();
                        }
                    };
                    // With sessions in the database, a user's sessions in one transaction (each open joins it): one
                    // commit and one hold of the audit chain's head per hundred sessions, instead of one each. With
                    // sessions in Redis each opening is its own change (intent, Redis, then its records: decision
                    // 0015), which may not begin inside a database transaction.
                    done.add(pool.submit(core.redis().isPresent() ? open : () -> core.audit().atomically(open)));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            }
            for (String t : tokens) {
                if (!(core.sessions().validateFor(app, t, Optional.empty()) instanceof Validation.Valid)) {
                    throw new IllegalStateException("a seeded session does not validate");
                }
            }
            Files.createDirectories(out);
            Files.writeString(out.resolve("api-key"), apiKey + "\n");
            try (BufferedWriter w = Files.newBufferedWriter(out.resolve("tokens"))) {
                for (String t : tokens) {
                    w.write(t);
                    w.newLine();
                }
            }
        }
        System.err.printf("seed: %d sessions of %d users in %.1f s%n", n, (n + PER_USER - 1) / PER_USER,
                (System.nanoTime() - started) / 1e9);
    }
}
