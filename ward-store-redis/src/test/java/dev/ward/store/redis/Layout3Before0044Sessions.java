package dev.ward.store.redis;

import dev.ward.session.Session;
import dev.ward.session.SessionRoute;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Sessions stored and rotated as a node of the version before decision 0044 did (record layout 3 with U, p, o and w as
 * fields and a key per token older than the previous one): its own common, admit and rotate scripts, kept in the test
 * resources as they were, with the arguments its RedisSessionStore passed.
 */
final class Layout3Before0044Sessions {
    private final RedisConnection redis;
    private final RedisSessionStore store;
    private final String prefix;

    Layout3Before0044Sessions(RedisConnection redis, RedisSessionStore store, String prefix) {
        this.redis = redis;
        this.store = store;
        this.prefix = prefix;
    }

    /** A login on a node of that version (its tenant's slot marked first, as it did). */
    void admit(Session s, String tokenHash, Duration idleTimeout, int max, Instant now) {
        int route = SessionRoute.of(s.tenant(), s.userId());
        redis.call(r -> {
            r.setbit(prefix + "tr:" + s.tenant(), route, 1);
            return r.sadd(prefix + "tenants", s.tenant());
        });
        List<String> args = new ArrayList<>(List.of(Integer.toString(max), "evict", "%04x".formatted(route), s.id()));
        args.addAll(List.of("h", tokenHash, "t", s.tenant(), "u", s.userId(), "n", s.username(),
                "a", Integer.toString(s.aal()), "c", millis(s.createdAt()), "s", millis(s.lastSeenAt()),
                "i", millis(s.idleExpiresAt()), "x", millis(s.absoluteExpiresAt()), "m", Long.toString(idleTimeout.toMillis()),
                "k", Long.toString(s.uses()), "p", s.client().ip(), "o", millis(s.rotatedAt()),
                "q", Long.toString(s.usesSinceRotation()), "d", s.rotatePending() ? "1" : "0"));
        args.addAll(RedisSessionStore.pieces("r", String.join(",", s.roles())));
        args.addAll(CompactUserAgent.encode(s.client().userAgent()).map(c -> RedisSessionStore.pieces("G", c))
                .orElseGet(() -> RedisSessionStore.pieces("g", s.client().userAgent())));
        run("admit", route, now, new String[] {prefix + "i" + SlotTags.of(route) + s.tenant(), store.keyOfSession(s.id())}, args);
    }

    /** A rotation on a node of that version. */
    void rotate(String sessionId, String oldHash, String newHash, Instant now, Instant graceUntil) {
        int route = SessionRoute.ofSessionId(sessionId).orElseThrow();
        run("rotate", route, now, new String[] {store.keyOfSession(sessionId)},
                List.of(sessionId, oldHash, newHash, millis(graceUntil)));
    }

    private void run(String script, int route, Instant now, String[] keys, List<String> args) {
        EarlierScripts.run(redis, "layout3", script, prefix, route, now, keys, args);
    }

    private static String millis(Instant i) { return Long.toString(i.toEpochMilli()); }
}
