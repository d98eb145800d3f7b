package dev.ward.bench;

import dev.ward.session.Admission;
import dev.ward.session.Client;
import dev.ward.session.Session;
import dev.ward.session.SessionRoute;
import dev.ward.crypto.Secrets;
import dev.ward.store.redis.RedisConnection;
import dev.ward.store.redis.RedisEndpoint;
import dev.ward.store.redis.RedisSessionStore;
import dev.ward.tenant.Policy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Redis memory per session: {@code used_memory} from {@code INFO memory} before and after storing N sessions
 * through Ward's own Redis store (one user each, as after N logins), divided by N. Run by bench/redis-memory.sh
 * against a Redis of its own. Usage: RedisMemory REDIS_URL [N]
 */
public final class RedisMemory {
    private RedisMemory() {}

    public static void main(String[] args) {
        String url = args[0];
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        try (RedisConnection redis = RedisConnection.open(RedisEndpoint.parse(url))) {
            RedisSessionStore store = new RedisSessionStore(redis, "ward:");
            long before = usedMemory(redis);
            Instant now = Instant.now();
            Duration idle = Duration.ofMinutes(30);
            // A realistic record: a hospital tenant id, user ids as Ward makes them, a browser user agent.
            Client client = new Client("203.0.113.77",
                    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36");
            for (int i = 0; i < n; i++) {
                String user = Secrets.newId("usr_");
                int route = SessionRoute.of("stmarys", user);
                Session s = new Session(SessionRoute.newSessionId(route), "stmarys", user, "clinician" + i,
                        List.of("provider"), 1, now, now, now.plus(idle), now.plus(Duration.ofHours(12)), 0, client, null, null,
                        now, 0, false);
                Admission a = store.admit(s, Secrets.sha256Hex(SessionRoute.newToken(route)), idle, 3,
                        Policy.OnLimit.EVICT_OLDEST, now);
                if (!(a instanceof Admission.Admitted)) {
                    throw new IllegalStateException("session " + i + " was not admitted: " + a);
                }
            }
            long after = usedMemory(redis);
            long keys = redis.call(r -> r.dbsize());
            System.out.printf("sessions: %d%nkeys: %d%nused_memory before: %d bytes%nused_memory after: %d bytes%n"
                    + "per session: %.0f bytes%n", n, keys, before, after, (after - before) / (double) n);
        }
    }

    private static long usedMemory(RedisConnection redis) {
        String info = redis.call(r -> r.info("memory"));
        return info.lines().filter(l -> l.startsWith("used_memory:")).mapToLong(l -> Long.parseLong(l.substring(12).trim()))
                .findFirst().orElseThrow();
    }
}
