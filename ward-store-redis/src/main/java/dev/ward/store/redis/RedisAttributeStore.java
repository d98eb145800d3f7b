package dev.ward.store.redis;

import dev.ward.problem.ProblemException;
import dev.ward.session.AttributeStore;
import dev.ward.session.SessionRoute;
import io.lettuce.core.ScriptOutputType;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Session attributes on Redis: one hash per session beside it in the same slot, with the session's TTL,
 * deleted with it. The count limit is checked and the value written in one script.
 */
public final class RedisAttributeStore implements AttributeStore {
    private static final RedisScripts PUT = RedisScripts.load("attribute_put");

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
        String[] keys = {sessions.attributeKey(r, sessionId), sessions.sessionKey(r, sessionId)};
        long outcome = redis.call(c -> PUT.<Long>run(c, ScriptOutputType.INTEGER, keys, prefix, SlotTags.of(r), "0",
                Long.toString(now.toEpochMilli()), name, sealed, Integer.toString(maxCount)));
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
    public String toString() { return "RedisAttributeStore[" + redis.endpoint() + "]"; }
}
