package dev.ward.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ward.auth.RateLimiter;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Token buckets in this process's memory, one per name, refilled continuously at {@code perMinute}
 * tokens a minute with a burst of the same size. Idle buckets are dropped after ten minutes, so the
 * map cannot grow without bound. (A Redis-backed limiter replaces this in multi-node mode.)
 */
final class LocalRateLimiter implements RateLimiter {
    private static final class Bucket {
        double tokens;
        long refilledAtNanos;
    }

    private final Cache<String, Bucket> buckets = Caffeine.newBuilder()
            .expireAfterAccess(Duration.ofMinutes(10)).maximumSize(200_000).build();
    private final Clock clock;

    LocalRateLimiter(Clock clock) { this.clock = clock; }

    @Override
    public Optional<Duration> acquire(String name, long perMinute) {
        long now = clock.millis() * 1_000_000L;
        Bucket b = buckets.get(name, k -> {
            Bucket fresh = new Bucket();
            fresh.tokens = perMinute;
            fresh.refilledAtNanos = now;
            return fresh;
        });
        synchronized (b) {
            double perNano = perMinute / 60_000_000_000.0;
            b.tokens = Math.min(perMinute, b.tokens + Math.max(0, now - b.refilledAtNanos) * perNano);
            b.refilledAtNanos = now;
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return Optional.empty();
            }
            long waitNanos = (long) Math.ceil((1 - b.tokens) / perNano);
            return Optional.of(Duration.ofNanos(waitNanos));
        }
    }
}
