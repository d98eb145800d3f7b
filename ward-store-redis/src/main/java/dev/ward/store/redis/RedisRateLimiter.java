package dev.ward.store.redis;

import dev.ward.auth.RateLimiter;
import dev.ward.crypto.Secrets;
import io.lettuce.core.ScriptOutputType;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Login rate limits counted once for all nodes: a token bucket per name in Redis, taken from in one script.
 * Bucket names are hashed into the key, so what they hold (an IP, a username digest) never shapes a key.
 * When Redis does not answer this fails closed, like the session store (logins answer 503).
 */
public final class RedisRateLimiter implements RateLimiter {
    private static final RedisScripts TAKE = RedisScripts.load("rate_limit");

    private final RedisConnection redis;
    private final String prefix;
    private final Clock clock;

    public RedisRateLimiter(RedisConnection redis, String prefix, Clock clock) {
        this.redis = redis;
        this.prefix = prefix;
        this.clock = clock;
    }

    @Override
    public Optional<Duration> acquire(String bucket, long perMinute) {
        String[] keys = {prefix + "rl:" + Secrets.sha256Hex(bucket).substring(0, 40)};
        long waitMs = redis.call(r -> TAKE.<Long>run(r, ScriptOutputType.INTEGER, keys, prefix, "", "0",
                Long.toString(clock.millis()), Long.toString(perMinute)));
        return waitMs == 0 ? Optional.empty() : Optional.of(Duration.ofMillis(waitMs));
    }

    @Override
    public String toString() { return "RedisRateLimiter[" + redis.endpoint() + "]"; }
}
