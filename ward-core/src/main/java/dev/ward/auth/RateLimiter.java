package dev.ward.auth;

import java.time.Duration;
import java.util.Optional;

/** Token buckets by name. Empty when the request may go ahead, else how long to wait. */
public interface RateLimiter {
    Optional<Duration> acquire(String bucket, long perMinute);
}
