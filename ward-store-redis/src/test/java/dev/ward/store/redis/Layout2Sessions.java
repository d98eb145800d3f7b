package dev.ward.store.redis;

import dev.ward.session.Session;
import dev.ward.session.SessionRoute;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Sessions stored as a node of the previous version stored them (record layout 2, decision 0020): its own admit and
 * rotate scripts (kept in the test resources as they were) with the arguments its RedisSessionStore passed, so that the
 * tests of an upgrade start from exactly what Redis holds at that moment.
 */
final class Layout2Sessions {
    private final RedisConnection redis;
    private final String prefix;

    Layout2Sessions(RedisConnection redis, String prefix) {
        this.redis = redis;
        this.prefix = prefix;
    }

    /** A login on a node of the previous version: the tenant index first, then its admit script. */
    void admit(Session s, String tokenHash, Duration idleTimeout, int max, Instant now) {
        int route = SessionRoute.of(s.tenant(), s.userId());
        redis.call(r -> {
            r.zadd(prefix + "ti:" + s.tenant(), s.createdAt().toEpochMilli(), s.id());
            return r.sadd(prefix + "tenants", s.tenant());
        });
        List<String> args = new ArrayList<>(List.of(Integer.toString(max), "evict", s.id()));
        args.addAll(List.of("t", s.tenant(), "u", s.userId(), "n", s.username(), "a", Integer.toString(s.aal()),
                "c", millis(s.createdAt()), "s", millis(s.lastSeenAt()), "i", millis(s.idleExpiresAt()),
                "x", millis(s.absoluteExpiresAt()), "m", Long.toString(idleTimeout.toMillis()), "k", Long.toString(s.uses()),
                "p", s.client().ip(), "o", millis(s.rotatedAt()), "q", Long.toString(s.usesSinceRotation()),
                "d", s.rotatePending() ? "1" : "0", "h", tokenHash));
        args.addAll(RedisSessionStore.pieces("r", String.join(",", s.roles())));
        args.addAll(CompactUserAgent.encode(s.client().userAgent()).map(c -> RedisSessionStore.pieces("G", c))
                .orElseGet(() -> RedisSessionStore.pieces("g", s.client().userAgent())));
        run("admit", route, now, new String[] {prefix + "u{" + s.tenant() + ":" + s.userId() + "}", sessionKey(route, s.id()),
                tokenKey(route, tokenHash)}, args);
    }

    /** A rotation on a node of the previous version. */
    void rotate(String sessionId, String oldHash, String newHash, Instant now, Instant graceUntil) {
        int route = SessionRoute.ofSessionId(sessionId).orElseThrow();
        run("rotate", route, now, new String[] {sessionKey(route, sessionId), tokenKey(route, newHash)},
                List.of(sessionId, oldHash, newHash, millis(graceUntil)));
    }

    String sessionKey(int route, String sessionId) { return prefix + "s" + SlotTags.of(route) + sessionId; }

    String tokenKey(int route, String tokenHash) { return prefix + "t" + SlotTags.of(route) + tokenHash.substring(0, 32); }

    private void run(String script, int route, Instant now, String[] keys, List<String> args) {
        EarlierScripts.run(redis, "layout2", script, prefix, route, now, keys, args);
    }

    private static String millis(Instant i) { return Long.toString(i.toEpochMilli()); }
}
