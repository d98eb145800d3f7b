package dev.ward.bench;

import dev.ward.crypto.Secrets;
import dev.ward.session.Admission;
import dev.ward.session.Client;
import dev.ward.session.Lookup;
import dev.ward.session.Session;
import dev.ward.session.SessionRoute;
import dev.ward.session.SessionToken;
import dev.ward.store.redis.RedisConnection;
import dev.ward.store.redis.RedisEndpoint;
import dev.ward.store.redis.RedisSessionStore;
import dev.ward.tenant.Policy;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Redis memory and commands per session, through Ward's own Redis store, against a Redis of its own (run by
 * bench/redis-memory.sh; never point it at a shared Redis: it flushes nothing but resets the command statistics).
 * <ol>
 *   <li>One session stored alone: {@code MEMORY USAGE} of each key it made (the tenant-wide index is reported per
 *       entry after the bulk step instead, where it holds N entries).</li>
 *   <li>N sessions (one user each, as after N logins): {@code used_memory} from {@code INFO memory} before and after,
 *       divided by N, and the Redis commands the logins ran ({@code INFO commandstats}).</li>
 *   <li>V validations ({@code touch}) of random sessions: Redis commands per validation (every command a script runs
 *       is counted by {@code INFO commandstats}) and the Redis CPU time per {@code EVALSHA}.</li>
 *   <li>One rotation of every session's token: what a session in use costs once its first token was replaced.</li>
 *   <li>Four more, a minute apart, each after a use (the previous grace over), then one more use: what a session in use
 *       for an hour costs, in a rotation's grace and after it.</li>
 * </ol>
 * Usage: RedisMemory REDIS_URL [N (100000)] [V (20000)] [USER_AGENT (a 107-byte Chrome user agent)]
 */
public final class RedisMemory {
    private static final String TENANT = "stmarys";
    /** A realistic record: a hospital tenant id, user ids as Ward makes them, a browser user agent (107 bytes). */
    private static Client client = new Client("203.0.113.77",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36");

    private RedisMemory() {}

    public static void main(String[] args) {
        String url = args[0];
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int v = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
        if (args.length > 3) {
            client = new Client(client.ip(), args[3]);
        }
        System.out.printf("user agent (%d bytes): %s%n", client.userAgent().getBytes(StandardCharsets.UTF_8).length, client.userAgent());
        try (RedisConnection redis = RedisConnection.open(RedisEndpoint.parse(url))) {
            RedisSessionStore store = new RedisSessionStore(redis, "ward:");
            Duration idle = Duration.ofMinutes(30);

            // 1. One session alone, each of its keys.
            long before = usedMemory(redis);
            admit(store, Instant.now(), idle);
            System.out.printf("one session alone: used_memory grew by %d bytes%n", usedMemory(redis) - before);
            for (String key : keys(redis, "*")) {
                Long bytes = redis.call(r -> r.memoryUsage(key));
                String type = redis.call(r -> r.type(key));
                String encoding = redis.call(r -> r.objectEncoding(key));
                System.out.printf("  MEMORY USAGE %-6s %-9s %5d bytes  %s%n", type, encoding, bytes, printable(key));
            }

            // 2. N sessions.
            redis.call(r -> r.configResetstat());
            before = usedMemory(redis);
            SessionToken[] tokens = new SessionToken[n];
            for (int i = 0; i < n; i++) {
                tokens[i] = admit(store, Instant.now(), idle);
            }
            long after = usedMemory(redis);
            long keys = redis.call(r -> r.dbsize());
            Map<String, long[]> logins = commandStats(redis);
            System.out.printf("sessions: %d%nkeys: %d%nused_memory before: %d bytes%nused_memory after: %d bytes%n"
                    + "per session: %.0f bytes%n", n, keys, before, after, (after - before) / (double) n);
            // The tenant's sessions are indexed per slot (one small sorted set in each slot the tenant uses).
            List<String> indexes = keys(redis, "ward:i{*}" + TENANT);
            long indexBytes = 0;
            for (String key : indexes) {
                indexBytes += redis.call(r -> r.memoryUsage(key));
            }
            System.out.printf("tenant index (%d keys ward:i{…}%s): %d bytes, %.0f per session%n", indexes.size(), TENANT,
                    indexBytes, indexBytes / (double) (n + 1));
            System.out.printf("logins: %s%n", perCall(logins, n));

            // 3. V validations of random sessions.
            Random random = new Random(13);
            for (int i = 0; i < Math.min(v, 2_000); i++) { // warm-up: the JIT, not Redis
                int k = random.nextInt(n);
                store.touch(tokens[k], TENANT, Instant.now());
            }
            redis.call(r -> r.configResetstat());
            long started = System.nanoTime();
            for (int i = 0; i < v; i++) {
                int k = random.nextInt(n);
                Lookup l = store.touch(tokens[k], TENANT, Instant.now());
                if (!(l instanceof Lookup.Touched)) {
                    throw new IllegalStateException("validation " + i + " answered " + l.getClass().getSimpleName());
                }
            }
            long elapsed = System.nanoTime() - started;
            Map<String, long[]> touches = commandStats(redis);
            System.out.printf("validations: %d (one client, sequential: %.1f µs each, round trip included)%n", v,
                    elapsed / 1000.0 / v);
            System.out.printf("validation: %s%n", perCall(touches, v));
            long[] evalsha = touches.get("evalsha");
            if (evalsha != null) {
                System.out.printf("validation: Redis CPU per EVALSHA %.2f µs (script and its commands)%n",
                        evalsha[1] / (double) evalsha[0]);
            }

            // 4. Every session's token rotated once (as every session in use is, every 15 minutes by default).
            long beforeRotation = usedMemory(redis);
            Instant at = Instant.now();
            rotateAll(store, tokens, at);
            long rotated = usedMemory(redis);
            System.out.printf("after one rotation of every session: used_memory grew by %.0f bytes a session, to %.0f%n",
                    (rotated - beforeRotation) / (double) n, (rotated - before) / (double) n);
            String first = store.keyOfSession(tokens[0].sessionId().orElseThrow());
            Long rotatedRecord = redis.call(r -> r.memoryUsage(first));
            System.out.printf("  MEMORY USAGE of a rotated session's record: %d bytes%n", rotatedRecord);

            // 5. Four more rotations, each a minute after the one before (its grace over) and after a use of the token it
            //    replaces: a session in use for an hour at the default 15 minutes. Then one more use past the last grace.
            for (int round = 0; round < 4; round++) {
                at = at.plusSeconds(60);
                touchAll(store, tokens, at);
                rotateAll(store, tokens, at);
            }
            long fifth = usedMemory(redis);
            long fifthKeys = redis.call(r -> r.dbsize());
            Long fifthRecord = redis.call(r -> r.memoryUsage(first));
            System.out.printf("after five rotations of every session, in the last one's grace: %.0f bytes a session "
                    + "(keys: %d)%n  MEMORY USAGE of the record: %d bytes%n", (fifth - before) / (double) n, fifthKeys,
                    fifthRecord);
            touchAll(store, tokens, at.plusSeconds(60));
            long settled = usedMemory(redis);
            long settledKeys = redis.call(r -> r.dbsize());
            Long settledRecord = redis.call(r -> r.memoryUsage(first));
            System.out.printf("… and after a use past that grace: %.0f bytes a session (keys: %d)%n"
                    + "  MEMORY USAGE of the record: %d bytes%n", (settled - before) / (double) n, settledKeys, settledRecord);
        }
    }

    /** Rotates every session's token at {@code at} (30 s of grace), replacing the tokens in {@code tokens}. */
    private static void rotateAll(RedisSessionStore store, SessionToken[] tokens, Instant at) {
        for (int i = 0; i < tokens.length; i++) {
            String id = tokens[i].sessionId().orElseThrow();
            SessionToken fresh = SessionRoute.parse(SessionRoute.newToken(id)).orElseThrow();
            if (!store.rotate(id, tokens[i].hash(), fresh.hash(), at, at.plusSeconds(30))) {
                throw new IllegalStateException("session " + i + " did not rotate");
            }
            tokens[i] = fresh;
        }
    }

    /** One use of every session's current token at {@code at}. */
    private static void touchAll(RedisSessionStore store, SessionToken[] tokens, Instant at) {
        for (int i = 0; i < tokens.length; i++) {
            Lookup l = store.touch(tokens[i], TENANT, at);
            if (!(l instanceof Lookup.Touched)) {
                throw new IllegalStateException("a use at " + at + " answered " + l.getClass().getSimpleName());
            }
        }
    }

    /** Logs one new user in; answers its token as a store is given it. */
    private static SessionToken admit(RedisSessionStore store, Instant now, Duration idle) {
        String user = Secrets.newId("usr_");
        int route = SessionRoute.of(TENANT, user);
        Session s = new Session(SessionRoute.newSessionId(route), TENANT, user, "clinician" + Secrets.randomInt(1_000_000),
                List.of("provider"), 1, now, now, now.plus(idle), now.plus(Duration.ofHours(12)), 0, client, null, null, now, 0,
                false);
        SessionToken token = SessionRoute.parse(SessionRoute.newToken(s.id())).orElseThrow();
        Admission a = store.admit(s, token.hash(), idle, 3, Policy.OnLimit.EVICT_OLDEST, now);
        if (!(a instanceof Admission.Admitted)) {
            throw new IllegalStateException("a session was not admitted: " + a);
        }
        return token;
    }

    private static List<String> keys(RedisConnection redis, String pattern) {
        return redis.call(r -> {
            List<String> keys = new ArrayList<>();
            ScanIterator.scan(r, ScanArgs.Builder.matches(pattern).limit(1000)).forEachRemaining(keys::add);
            keys.sort(null);
            return keys;
        });
    }

    /** A key as text, bytes outside printable ASCII as \xNN (keys may be binary). */
    private static String printable(String key) {
        StringBuilder b = new StringBuilder();
        for (byte c : key.getBytes(StandardCharsets.UTF_8)) {
            if (c >= 0x20 && c < 0x7f) {
                b.append((char) c);
            } else {
                b.append(String.format("\\x%02x", c & 0xff));
            }
        }
        return b.toString();
    }

    private static long usedMemory(RedisConnection redis) {
        String info = redis.call(r -> r.info("memory"));
        return info.lines().filter(l -> l.startsWith("used_memory:")).mapToLong(l -> Long.parseLong(l.substring(12).trim()))
                .findFirst().orElseThrow();
    }

    /** {@code INFO commandstats}: command → {calls, usec}. */
    private static Map<String, long[]> commandStats(RedisConnection redis) {
        String info = redis.call(r -> r.info("commandstats"));
        Map<String, long[]> stats = new TreeMap<>();
        for (String line : info.lines().toList()) {
            if (!line.startsWith("cmdstat_")) {
                continue;
            }
            String name = line.substring(8, line.indexOf(':'));
            long calls = 0;
            long usec = 0;
            for (String part : line.substring(line.indexOf(':') + 1).split(",")) {
                if (part.startsWith("calls=")) {
                    calls = Long.parseLong(part.substring(6));
                } else if (part.startsWith("usec=")) {
                    usec = Long.parseLong(part.substring(5));
                }
            }
            stats.put(name, new long[] {calls, usec});
        }
        return stats;
    }

    /** Commands per operation, scripts themselves (EVALSHA, EVAL) and the statistics' own INFO/CONFIG left out. */
    private static String perCall(Map<String, long[]> stats, int operations) {
        long total = 0;
        StringBuilder each = new StringBuilder();
        for (Map.Entry<String, long[]> e : stats.entrySet()) {
            String name = e.getKey();
            if (name.equals("evalsha") || name.equals("eval") || name.startsWith("info") || name.startsWith("config")) {
                continue;
            }
            total += e.getValue()[0];
            each.append(String.format(" %s %.2f", name.toUpperCase(), e.getValue()[0] / (double) operations));
        }
        long scripts = stats.getOrDefault("evalsha", new long[2])[0] + stats.getOrDefault("eval", new long[2])[0];
        return String.format("%.2f Redis commands each (%.2f scripts run; inside and beside them:%s)", total / (double) operations,
                scripts / (double) operations, each);
    }
}
