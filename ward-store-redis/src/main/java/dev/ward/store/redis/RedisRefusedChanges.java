package dev.ward.store.redis;

import dev.ward.session.RefusedChanges;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Refusals kept in Redis, where the database is not (docs/decisions/0015, amended 2026-12-07). Keys, all under one hash
 * tag so that a script sees them together on a cluster: {@code P{refused}:<intent>}, a hash (kind, tenant, user, when,
 * the payload's values as {@code p.<name>}, and a claim) that expires after {@link RefusedChanges#KEEP}; and
 * {@code P{refused}}, a sorted set of the intents by when they were refused, which the repair walks.
 */
public final class RedisRefusedChanges implements RefusedChanges {
    private static final RedisScripts RECORD = RedisScripts.load("refused_record");
    private static final RedisScripts CLAIM = RedisScripts.load("refused_claim");
    private static final String TAG = "{refused}";
    private static final String PAYLOAD = "p.";

    private final RedisConnection redis;
    private final String prefix;

    /** @param prefix the key namespace, as the session store's */
    public RedisRefusedChanges(RedisConnection redis, String prefix) {
        this.redis = redis;
        this.prefix = prefix;
    }

    @Override
    public void record(Refused r) {
        List<String> args = new ArrayList<>(List.of(Long.toString(r.intent()), Long.toString(KEEP.toMillis()),
                "kind", r.kind(), "tenant", r.tenant(), "user", r.userId(), "at", Long.toString(r.at().toEpochMilli())));
        r.payload().forEach((name, value) -> {
            if (!(value instanceof String text)) {
                // what the repair of a login or a rotation needs is ids and token hashes, all text
                throw new IllegalArgumentException("a refusal's payload holds text only: " + name);
            }
            args.add(PAYLOAD + name);
            args.add(text);
        });
        run(RECORD, new String[] {key(r.intent()), index()}, r.at(), args);
    }

    @Override
    public List<Refused> recordedBefore(Instant before, int limit) {
        List<String> intents = redis.call(c -> c.zrangebyscore(index(), Range.create(Double.NEGATIVE_INFINITY,
                (double) before.toEpochMilli() - 1), Limit.create(0, limit)));
        List<Refused> found = new ArrayList<>();
        for (String intent : intents) {
            Map<String, String> h = redis.call(c -> c.hgetall(key(Long.parseLong(intent))));
            if (h.isEmpty()) {
                redis.call(c -> c.zrem(index(), intent)); // expired
                continue;
            }
            Map<String, Object> payload = new LinkedHashMap<>();
            h.forEach((field, value) -> {
                if (field.startsWith(PAYLOAD)) {
                    payload.put(field.substring(PAYLOAD.length()), value);
                }
            });
            found.add(new Refused(Long.parseLong(intent), h.get("kind"), h.get("tenant"), h.get("user"), payload,
                    Instant.ofEpochMilli(Long.parseLong(h.get("at")))));
        }
        return found;
    }

    @Override
    public boolean claim(long intent, String claimant, Instant staleClaim, Instant now) {
        Long won = run(CLAIM, new String[] {key(intent)}, now, List.of(claimant, Long.toString(staleClaim.toEpochMilli())));
        return won == 1;
    }

    @Override
    public void forget(long intent) {
        redis.call(c -> {
            c.del(key(intent));
            return c.zrem(index(), Long.toString(intent));
        });
    }

    private Long run(RedisScripts script, String[] keys, Instant now, List<String> args) {
        String[] all = new String[4 + args.size()];
        all[0] = prefix;
        all[1] = TAG;
        all[2] = "0";
        all[3] = Long.toString(now.toEpochMilli());
        for (int i = 0; i < args.size(); i++) {
            all[4 + i] = args.get(i);
        }
        return redis.call(c -> script.run(redis, c, ScriptOutputType.INTEGER, keys, all));
    }

    private String key(long intent) { return prefix + TAG + ":" + intent; }

    private String index() { return prefix + TAG; }
}
