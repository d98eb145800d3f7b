package dev.ward.store.redis;

import dev.ward.problem.ProblemException;
import dev.ward.session.AttributeStore;
import dev.ward.session.SessionRoute;
import io.lettuce.core.ScriptOutputType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.OptionalInt;

/**
 * Session attributes on Redis: one hash per session beside it in the same slot, with the session's TTL,
 * deleted with it. The count limit is checked and the value written in one script.
 */
public final class RedisAttributeStore implements AttributeStore {
    private static final RedisScripts PUT = RedisScripts.load("attribute_put");
    private static final RedisScripts REPLACE = RedisScripts.load("attribute_replace");

    private static final int BATCH = 200;

    private final RedisConnection redis;
    private final RedisSessionStore sessions;
    private final String prefix;

    public RedisAttributeStore(RedisConnection redis, RedisSessionStore sessions, String prefix) {
        this.redis = redis;
        this.sessions = sessions;
        this.prefix = prefix;
    }

    @Override
    public Optional<String> get(String sessionId, String name) {
        OptionalInt route = SessionRoute.ofSessionId(sessionId);
        if (route.isEmpty()) {
            return Optional.empty();
        }
        return Optional.ofNullable(redis.call(r -> r.hget(sessions.attributeKey(route.getAsInt(), sessionId), name)));
    }

    @Override
    public boolean put(String sessionId, String name, String sealed, Instant now, int maxCount) {
        OptionalInt route = SessionRoute.ofSessionId(sessionId);
        if (route.isEmpty()) {
            throw gone();
        }
        int r = route.getAsInt();
        String[] keys = {sessions.attributeKey(r, sessionId), sessions.recordKey(r, sessionId)};
        long outcome = redis.call(c -> PUT.<Long>run(redis, c, ScriptOutputType.INTEGER, keys, prefix, SlotTags.of(r),
                Long.toString(RedisSessionStore.RETAIN.toMillis()), Long.toString(now.toEpochMilli()), name, sealed,
                Integer.toString(maxCount), sessionId));
        if (outcome < 0) {
            throw gone();
        }
        return outcome == 1;
    }

    private static ProblemException gone() {
        return ProblemException.notFound("session_not_found", "The session has ended.");
    }

    @Override
    public boolean delete(String sessionId, String name) {
        OptionalInt route = SessionRoute.ofSessionId(sessionId);
        return route.isPresent() && redis.call(r -> r.hdel(sessions.attributeKey(route.getAsInt(), sessionId), name)) == 1;
    }

    @Override
    public long countOfTenant(String tenant) {
        List<String> ids = sessions.idsOfTenant(tenant);
        return redis.pipelined(ids, (r, id) -> r.hlen(sessions.keyOfAttributes(id))).stream().mapToLong(Long::longValue).sum();
    }

    /** Walks the tenant's sessions (as a rewrap does), reading each one's attribute values. */
    @Override
    public long countOfTenantStartingWith(String tenant, String sealedPrefix) {
        List<String> ids = sessions.idsOfTenant(tenant);
        long count = 0;
        for (int from = 0; from < ids.size(); from += BATCH) {
            List<String> batch = ids.subList(from, Math.min(ids.size(), from + BATCH));
            for (List<String> values : redis.pipelined(batch, (r, id) -> r.hvals(sessions.keyOfAttributes(id)))) {
                count += values.stream().filter(v -> v.startsWith(sealedPrefix)).count();
            }
        }
        return count;
    }

    /**
     * Walks the tenant's sessions in id order (the tenant index holds their ids; a rewrap is an operator's
     * command, so reading the whole index per page is acceptable), then each session's attributes by name.
     */
    @Override
    public List<Stored> pageOfTenant(String tenant, String afterSessionId, String afterName, int limit) {
        List<String> ids = sessions.idsOfTenant(tenant).stream().filter(id -> id.compareTo(afterSessionId) >= 0).sorted().toList();
        List<Stored> page = new ArrayList<>();
        for (int from = 0; from < ids.size() && page.size() < limit; from += BATCH) {
            List<String> batch = ids.subList(from, Math.min(ids.size(), from + BATCH));
            List<Map<String, String>> values = redis.pipelined(batch, (r, id) -> r.hgetall(sessions.keyOfAttributes(id)));
            for (int i = 0; i < batch.size() && page.size() < limit; i++) {
                String id = batch.get(i);
                for (Map.Entry<String, String> e : new TreeMap<>(values.get(i)).entrySet()) {
                    boolean after = id.compareTo(afterSessionId) > 0 || e.getKey().compareTo(afterName) > 0;
                    if (after && page.size() < limit) {
                        page.add(new Stored(id, e.getKey(), e.getValue()));
                    }
                }
            }
        }
        return page;
    }

    @Override
    public boolean replaceIfUnchanged(String sessionId, String name, String expectedSealed, String newSealed) {
        OptionalInt route = SessionRoute.ofSessionId(sessionId);
        if (route.isEmpty()) {
            return false;
        }
        int r = route.getAsInt();
        String[] keys = {sessions.attributeKey(r, sessionId)};
        return redis.call(c -> REPLACE.<Long>run(redis, c, ScriptOutputType.INTEGER, keys, prefix, SlotTags.of(r), "0", "0",
                name, expectedSealed, newSealed)) == 1;
    }

    @Override
    public String toString() { return "RedisAttributeStore[" + redis.endpoint() + "]"; }
}
