package dev.ward.store.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ward.auth.RateLimiter;
import dev.ward.crypto.Secrets;
import io.lettuce.core.ScriptOutputType;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Rate limits counted once for all nodes: a token bucket per name in Redis, taken from in one script. Bucket names are
 * hashed into the key, so what they hold (an IP, a username digest) never shapes a key.
 *
 * <p>A node does not ask Redis for every token (decision 0028): it takes a lease of a tenth of a second's worth at a
 * time ({@link #leaseSize}) and spends it locally, so a limit of 600,000 a minute costs one script per 1,000 calls,
 * and the limit is shared within that slack per node. A limit of 600 a minute or less is leased one token at a time,
 * an exact count. After a refusal the node refuses that bucket locally until Redis said a token would be back, so a
 * flood against an empty bucket does not become a flood of scripts either. When Redis does not answer this fails
 * closed, like the session store (the request answers 503).
 */
public final class RedisRateLimiter implements RateLimiter {
    private static final RedisScripts TAKE = RedisScripts.load("rate_limit");

    /** What this node holds of one bucket: leased tokens not yet spent, and until when Redis has none. */
    private static final class Lease {
        final ReentrantLock lock = new ReentrantLock();
        long perMinute;
        long tokens;
        long refusedUntilMs;
    }

    private final RedisConnection redis;
    private final String prefix;
    private final Clock clock;
    // An idle bucket's leftover is dropped with it: those tokens would have refilled in Redis by then anyway.
    private final Cache<String, Lease> leases = Caffeine.newBuilder()
            .expireAfterAccess(Duration.ofMinutes(2)).maximumSize(200_000).build();

    public RedisRateLimiter(RedisConnection redis, String prefix, Clock clock) {
        this.redis = redis;
        this.prefix = prefix;
        this.clock = clock;
    }

    /** Tokens taken from Redis at once for a limit: a tenth of a second's worth, at least one. */
    static long leaseSize(long perMinute) {
        return Math.max(1, perMinute / 600);
    }

    @Override
    public Optional<Duration> acquire(String bucket, long perMinute) {
        Lease lease = leases.get(bucket, k -> new Lease());
        // A lock, not synchronized: the holder may wait on Redis, and a virtual thread must not pin its carrier then.
        lease.lock.lock();
        try {
            if (lease.perMinute != perMinute) {
                // The policy changed: what was leased under the old limit is not spent under the new one.
                lease.perMinute = perMinute;
                lease.tokens = 0;
                lease.refusedUntilMs = 0;
            }
            if (lease.tokens > 0) {
                lease.tokens--;
                return Optional.empty();
            }
            long now = clock.millis();
            if (now < lease.refusedUntilMs) {
                return Optional.of(Duration.ofMillis(lease.refusedUntilMs - now));
            }
            String[] keys = {prefix + "rl:" + Secrets.sha256Hex(bucket).substring(0, 40)};
            List<Long> answer = redis.call(r -> TAKE.<List<Long>>run(redis, r, ScriptOutputType.MULTI, keys, prefix, "", "0",
                    Long.toString(now), Long.toString(perMinute), Long.toString(leaseSize(perMinute))));
            long taken = answer.get(0);
            if (taken > 0) {
                lease.tokens = taken - 1;
                return Optional.empty();
            }
            long waitMs = answer.get(1);
            lease.refusedUntilMs = now + waitMs;
            return Optional.of(Duration.ofMillis(waitMs));
        } finally {
            lease.lock.unlock();
        }
    }

    @Override
    public String toString() { return "RedisRateLimiter[" + redis.endpoint() + "]"; }
}
