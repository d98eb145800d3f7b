package dev.ward.bench;

import dev.ward.crypto.Secrets;
import dev.ward.server.Config;
import dev.ward.server.Ward;
import dev.ward.session.Admission;
import dev.ward.session.Client;
import dev.ward.session.Session;
import dev.ward.session.SessionRoute;
import dev.ward.session.SessionStore;
import dev.ward.store.redis.RedisSessionStore;
import dev.ward.store.sql.SqlSessionStore;
import dev.ward.tenant.Policy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Puts N live sessions into the store a server would use, so that a benchmark can show that validation does not
 * grow slower with the number of sessions held (issue 13, goals 1 and 2). Each belongs to its own user of the
 * tenant, as after N logins of N clinicians, with a browser user agent; they are stored through Ward's own store
 * ({@link SessionStore#admit}, the call a login makes), not by hand-written SQL or Redis commands, so their layout
 * is the real one. No password is hashed: the point is the store's size, not the logins.
 *
 * <p>Reads the same environment as {@code ward serve} ({@code WARD_DATABASE_URL}, {@code WARD_REDIS_URL},
 * {@code WARD_MASTER_KEY}); without them it opens the embedded database in DATA_DIR, which must not be in use
 * (run it before the server starts). Usage: {@code FillSessions DATA_DIR TENANT N [THREADS]}.
 */
public final class FillSessions {
    private FillSessions() {}

    public static void main(String[] args) throws InterruptedException {
        Path dir = Path.of(args[0]);
        String tenant = args[1];
        int n = Integer.parseInt(args[2]);
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        Config config = Config.fromEnvironment(System.getenv(), "127.0.0.1", 0, dir);
        long started = System.nanoTime();
        try (Ward.Core core = Ward.Core.open(config, Clock.systemUTC())) {
            SessionStore store = core.redis()
                    .<SessionStore>map(r -> new RedisSessionStore(r, Ward.REDIS_PREFIX))
                    .orElseGet(() -> new SqlSessionStore(core.db()));
            Instant now = Instant.now();
            Duration idle = Duration.ofHours(8);
            Client client = new Client("203.0.113.77",
                    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36");
            AtomicInteger next = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            Thread[] workers = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                workers[t] = Thread.ofPlatform().start(() -> {
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        String user = Secrets.newId("usr_");
                        int route = SessionRoute.of(tenant, user);
                        Session s = new Session(SessionRoute.newSessionId(route), tenant, user, "filler" + i,
                                List.of("staff"), 1, now, now, now.plus(idle), now.plus(Duration.ofHours(12)), 0, client,
                                null, null, now, 0, false);
                        Admission a = store.admit(s, Secrets.sha256Hex(SessionRoute.newToken(s.id())), idle, 3,
                                Policy.OnLimit.EVICT_OLDEST, now);
                        if (!(a instanceof Admission.Admitted)) {
                            refused.incrementAndGet();
                        }
                    }
                });
            }
            for (Thread w : workers) {
                w.join();
            }
            if (refused.get() > 0) {
                throw new IllegalStateException(refused.get() + " of " + n + " filler sessions were not admitted");
            }
        }
        System.err.printf("fill-sessions: %,d sessions in tenant %s in %.1f s%n", n, tenant,
                (System.nanoTime() - started) / 1e9);
    }
}
