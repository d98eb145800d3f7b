package dev.ward.server;

import dev.ward.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;

/**
 * Makes a test Ward's clock follow real time from now on, for suites whose other side has real timers (a browser
 * running ward.js), plus an offset the test may move forward ({@link #skip}), e.g. to the next TOTP time step.
 */
public final class RealTime implements AutoCloseable {
    private final Thread ticker;
    private volatile boolean running = true;
    private volatile Duration offset = Duration.ZERO;

    public RealTime(MutableClock clock) {
        Instant t0 = clock.instant();
        long n0 = System.nanoTime();
        ticker = Thread.ofPlatform().daemon().start(() -> {
            while (running) {
                clock.set(t0.plusNanos(System.nanoTime() - n0).plus(offset));
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** Moves the clock this much ahead of real time, at once. */
    public void skip(Duration d) { offset = offset.plus(d); }

    @Override
    public void close() {
        running = false;
        ticker.interrupt();
    }
}
