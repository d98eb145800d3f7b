package dev.ward.store.redis;

import dev.ward.patient.PatientContext;
import dev.ward.patient.PatientStore;
import dev.ward.session.SessionRoute;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Patient contexts on Redis, in the session's own cluster slot (its route's hash tag), so one script reaches the
 * session, the context and its data on one node in one round trip. Keys, with {@code P} the prefix and {@code TAG}
 * the session's tag:
 * <ul>
 *   <li>{@code P pi:TAG:<session>} — the session's contexts, a hash of patient id → expiry;</li>
 *   <li>{@code P p:TAG:<session>:<patient>} — one context, a hash (opened, seen, idle, abs, idle_ms, n, bg);</li>
 *   <li>{@code P pd:TAG:<session>:<patient>} — its data, a hash of key → sealed value.</li>
 * </ul>
 * A context and its data carry TTL = the context's remaining life, refreshed by every use; the scripts compare times
 * with the caller's clock as well, so expiry never waits for Redis. Ending a session (revoke, delete) removes them in
 * the same script.
 */
public final class RedisPatientStore implements PatientStore {
    private static final RedisScripts OPEN = RedisScripts.load("patient_open");
    private static final RedisScripts DATA = RedisScripts.load("patient_data");
    private static final RedisScripts LIST = RedisScripts.load("patient_list");
    private static final RedisScripts CLOSE = RedisScripts.load("patient_close");
    private static final Comparator<PatientContext> OLDEST_FIRST =
            Comparator.comparing(PatientContext::openedAt).thenComparing(PatientContext::patientId);

    private final RedisConnection redis;
    private final RedisSessionStore sessions;
    private final String prefix;

    private final java.util.function.LongSupplier nanoTime;

    public RedisPatientStore(RedisConnection redis, RedisSessionStore sessions, String prefix) {
        this(redis, sessions, prefix, System::nanoTime);
    }

    /** With the monotonic clock that paces {@link #liveCounts} (tests). */
    RedisPatientStore(RedisConnection redis, RedisSessionStore sessions, String prefix, java.util.function.LongSupplier nanoTime) {
        this.redis = redis;
        this.sessions = sessions;
        this.prefix = prefix;
        this.nanoTime = nanoTime;
    }

    @Override
    public Result open(String sessionId, String patientId, Instant now, Duration idle, Instant hardEnd, boolean breakGlass,
                       int maxContexts) {
        OptionalInt route = SessionRoute.ofSessionId(sessionId);
        if (route.isEmpty()) {
            return missing();
        }
        int r = route.getAsInt();
        List<Object> out = run(OPEN, r, now, new String[] {sessions.recordKey(r, sessionId), indexKey(r, sessionId)},
                sessionId, patientId, Long.toString(idle.toMillis()), Long.toString(hardEnd.toEpochMilli()),
                breakGlass ? "1" : "0", Integer.toString(maxContexts));
        return switch ((String) out.get(0)) {
            case "limit" -> new Result(State.LIMIT, null, null, false);
            case "live" -> new Result(State.LIVE, context(sessionId, patientId, out.get(2)),
                    ((Long) out.get(3)) == 1 ? "expired" : null, ((Long) out.get(1)) == 1);
            default -> missing();
        };
    }

    @Override
    public Result touch(String sessionId, String patientId, Instant now) {
        return data("touch", sessionId, patientId, "", "", 0, now);
    }

    @Override
    public Result read(String sessionId, String patientId, String key, Instant now) {
        return data("get", sessionId, patientId, key, "", 0, now);
    }

    @Override
    public Result write(String sessionId, String patientId, String key, String sealed, Instant now, int maxKeys) {
        return data("put", sessionId, patientId, key, sealed, maxKeys, now);
    }

    @Override
    public Result deleteData(String sessionId, String patientId, String key, Instant now) {
        return data("del", sessionId, patientId, key, "", 0, now);
    }

    private Result data(String op, String sessionId, String patientId, String key, String sealed, int max, Instant now) {
        OptionalInt route = SessionRoute.ofSessionId(sessionId);
        if (route.isEmpty()) {
            return missing();
        }
        int r = route.getAsInt();
        List<Object> out = run(DATA, r, now, new String[] {indexKey(r, sessionId)}, op, sessionId, patientId, key, sealed,
                Integer.toString(max));
        boolean done = ((Long) out.get(2)) == 1;
        PatientContext c = ((List<?>) out.get(1)).isEmpty() ? null : context(sessionId, patientId, out.get(1));
        return switch ((String) out.get(0)) {
            case "live" -> new Result(State.LIVE, c, op.equals("get") && done ? (String) out.get(3) : null,
                    op.equals("get") ? false : done);
            case "limit" -> new Result(State.LIMIT, c, null, false);
            case "expired" -> new Result(State.EXPIRED, c, null, true);
            default -> missing();
        };
    }

    @Override
    public boolean close(String sessionId, String patientId) {
        return close(sessionId, patientId, Instant.EPOCH) > 0;
    }

    private long close(String sessionId, String patientId, Instant now) {
        OptionalInt route = SessionRoute.ofSessionId(sessionId);
        if (route.isEmpty()) {
            return 0;
        }
        int r = route.getAsInt();
        return redis.call(c -> CLOSE.<Long>run(redis, c, ScriptOutputType.INTEGER, new String[] {indexKey(r, sessionId)},
                argv(r, now, sessionId, patientId)));
    }

    @Override
    @SuppressWarnings("unchecked")
    public Listing list(String sessionId, Instant now) {
        OptionalInt route = SessionRoute.ofSessionId(sessionId);
        if (route.isEmpty()) {
            return new Listing(List.of(), List.of());
        }
        int r = route.getAsInt();
        List<Object> out = run(LIST, r, now, new String[] {indexKey(r, sessionId)}, sessionId);
        return new Listing(contexts(sessionId, (List<?>) out.get(0)), List.copyOf((List<String>) (List<?>) out.get(1)));
    }

    @Override
    public int clearAll(String sessionId) {
        return (int) close(sessionId, "", Instant.EPOCH);
    }

    @Override
    public boolean holdsAny(String sessionId) {
        OptionalInt route = SessionRoute.ofSessionId(sessionId);
        return route.isPresent() && redis.call(c -> c.exists(indexKey(route.getAsInt(), sessionId))) > 0;
    }

    /** Walks the tenant's sessions, asking (pipelined) whether each holds a context on the patient. */
    @Override
    public List<String> sessionsHolding(String tenant, String patientId) {
        List<String> ids = sessions.idsOfTenant(tenant);
        List<Long> held = redis.pipelined(ids, (c, id) -> c.exists(keyOfContext(id, patientId)));
        List<String> holding = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            if (held.get(i) > 0) {
                holding.add(ids.get(i));
            }
        }
        return holding;
    }

    /** Walks every tenant's sessions (as session cleanup does) and lists each one that holds contexts, which prunes it. */
    @Override
    public List<Swept> sweepExpired(Instant now, int limit) {
        List<Swept> swept = new ArrayList<>();
        for (String tenant : sessions.tenantIds()) {
            List<String> ids = sessions.idsOfTenant(tenant);
            List<Long> holding = redis.pipelined(ids, (c, id) -> c.exists(keyOfIndex(id)));
            for (int i = 0; i < ids.size() && swept.size() < limit; i++) {
                if (holding.get(i) > 0) {
                    String id = ids.get(i);
                    list(id, now).expired().forEach(p -> swept.add(new Swept(id, p)));
                }
            }
        }
        return swept;
    }

    /** Walks every tenant's sessions, reading each one's context index (expiry per patient): for a dry run. */
    @Override
    public long countExpired(Instant now) {
        long n = 0;
        for (String tenant : sessions.tenantIds()) {
            List<String> ids = sessions.idsOfTenant(tenant);
            for (Map<String, String> index : redis.pipelined(ids, (c, id) -> c.hgetall(keyOfIndex(id)))) {
                n += index.values().stream().filter(v -> Long.parseLong(v) <= now.toEpochMilli()).count();
            }
        }
        return n;
    }

    /**
     * Live contexts per tenant for /metrics: every session in the tenant's index is asked for its context index
     * (pipelined {@code HVALS}, patient id → idle expiry) and each expiry still ahead counts, as SQL counts rows. That is
     * one command per session, so the walk paces itself: after a walk that took longer than {@value #PACE_FROM_MS} ms,
     * the next runs only once four times as long has passed (the walks take at most a fifth of the time, whoever asks
     * and however often), and until then the last counts are answered again. Small deployments, whose walk is quick,
     * always get fresh counts.
     */
    @Override
    public java.util.Optional<Map<String, Long>> liveCounts(Instant now) {
        synchronized (pace) {
            long started = nanoTime.getAsLong();
            if (pace.last != null && started - pace.endedAt < pace.gapNanos) {
                return java.util.Optional.of(pace.last);
            }
            Map<String, Long> counts = new java.util.LinkedHashMap<>();
            long cutoff = now.toEpochMilli();
            for (String tenant : sessions.tenantIds()) {
                long n = 0;
                for (List<String> expiries : redis.pipelined(sessions.idsOfTenant(tenant), (c, id) -> c.hvals(keyOfIndex(id)))) {
                    for (String expiry : expiries) {
                        if (Long.parseLong(expiry) > cutoff) {
                            n++;
                        }
                    }
                }
                counts.put(tenant, n);
            }
            long ended = nanoTime.getAsLong();
            long took = ended - started;
            pace.last = Map.copyOf(counts);
            pace.endedAt = ended;
            pace.gapNanos = took > java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(PACE_FROM_MS) ? 4 * took : 0;
            return java.util.Optional.of(counts);
        }
    }

    /** Walks quicker than this are never paced (see {@link #liveCounts}). */
    static final long PACE_FROM_MS = 50;
    private final Pace pace = new Pace();

    private static final class Pace {
        Map<String, Long> last;
        long endedAt;
        long gapNanos;
    }

    /** Counts context keys by SCAN over every node: for metrics and tests, never a request. */
    @Override
    public long countAll() {
        return redis.call(c -> {
            long n = 0;
            var it = ScanIterator.scan(c, ScanArgs.Builder.matches(prefix + "p:*").limit(1000));
            while (it.hasNext()) {
                it.next();
                n++;
            }
            return n;
        });
    }

    /** The key of a session's context index (for operators and tests). */
    public String keyOfIndex(String sessionId) {
        OptionalInt route = SessionRoute.ofSessionId(sessionId);
        return route.isEmpty() ? prefix + "pi:{}:" + sessionId : indexKey(route.getAsInt(), sessionId);
    }

    /** The key of one context (for operators and tests). */
    public String keyOfContext(String sessionId, String patientId) {
        OptionalInt route = SessionRoute.ofSessionId(sessionId);
        return prefix + "p:" + (route.isEmpty() ? "{}" : SlotTags.of(route.getAsInt())) + ":" + sessionId + ":" + patientId;
    }

    /** The key of one context's data (for operators and tests). */
    public String keyOfData(String sessionId, String patientId) {
        OptionalInt route = SessionRoute.ofSessionId(sessionId);
        return prefix + "pd:" + (route.isEmpty() ? "{}" : SlotTags.of(route.getAsInt())) + ":" + sessionId + ":" + patientId;
    }

    private String indexKey(int route, String sessionId) { return prefix + "pi:" + SlotTags.of(route) + ":" + sessionId; }

    private List<Object> run(RedisScripts script, int route, Instant now, String[] keys, String... args) {
        String[] all = argv(route, now, args);
        return redis.call(c -> script.run(redis, c, ScriptOutputType.MULTI, keys, all));
    }

    private String[] argv(int route, Instant now, String... args) {
        String[] all = new String[4 + args.length];
        all[0] = prefix;
        all[1] = SlotTags.of(route);
        all[2] = Long.toString(RedisSessionStore.RETAIN.toMillis());
        all[3] = Long.toString(now.toEpochMilli());
        System.arraycopy(args, 0, all, 4, args.length);
        return all;
    }

    /** Contexts as a script returns them (flat hashes, each with its {@code pid}), oldest first. */
    static List<PatientContext> contexts(String sessionId, List<?> flats) {
        List<PatientContext> live = new ArrayList<>();
        for (Object flat : flats) {
            Map<String, String> h = hash(flat);
            live.add(read(sessionId, h.get("pid"), h));
        }
        live.sort(OLDEST_FIRST);
        return live;
    }

    private static Result missing() {
        return new Result(State.MISSING, null, null, false);
    }

    private static PatientContext context(String sessionId, String patientId, Object flat) {
        return read(sessionId, patientId, hash(flat));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> hash(Object flat) {
        List<Object> list = (List<Object>) flat;
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i + 1 < list.size(); i += 2) {
            m.put((String) list.get(i), (String) list.get(i + 1));
        }
        return m;
    }

    private static PatientContext read(String sessionId, String patientId, Map<String, String> h) {
        return new PatientContext(sessionId, patientId, instant(h.get("opened")), instant(h.get("seen")),
                instant(h.get("idle")), instant(h.get("abs")), Long.parseLong(h.get("n")), "1".equals(h.get("bg")));
    }

    private static Instant instant(String millis) { return Instant.ofEpochMilli(Long.parseLong(millis)); }

    @Override
    public String toString() { return "RedisPatientStore[" + redis.endpoint() + "]"; }
}
