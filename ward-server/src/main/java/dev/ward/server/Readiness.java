package dev.ward.server;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * {@code /health/ready} within a deadline (issue 17, item 4): each check runs on a thread of its own, and one that has
 * not answered by {@link #DEADLINE} counts as down. A store that swallows packets would otherwise hold the balancer's
 * probe (and a Jetty thread) for as long as the store's own timeouts, and then, in the reliability run, answer 200 after
 * 11.9 s. A check still running when the next probe comes is waited on again rather than started twice, so probes
 * against a dead store never pile up threads.
 */
final class Readiness implements AutoCloseable {
    /** The longest {@link #check()} takes. */
    static final Duration DEADLINE = Duration.ofSeconds(1);

    private final Map<String, BooleanSupplier> checks;
    private final Map<String, CompletableFuture<Boolean>> running = new ConcurrentHashMap<>();
    private final ExecutorService probes = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "ward-readiness");
        t.setDaemon(true);
        return t;
    });

    /** @param checks by name, in the order they are reported; each answers whether its store serves now */
    Readiness(Map<String, BooleanSupplier> checks) {
        this.checks = new LinkedHashMap<>(checks);
    }

    /** Each check by name: true when it answered "up" within the deadline. */
    Map<String, Boolean> check() {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        Map<String, CompletableFuture<Boolean>> started = new LinkedHashMap<>();
        checks.forEach((name, probe) -> started.put(name, running.compute(name, (n, previous) ->
                previous != null && !previous.isDone() ? previous : CompletableFuture.supplyAsync(() -> safely(probe), probes))));
        Map<String, Boolean> out = new LinkedHashMap<>();
        started.forEach((name, f) -> out.put(name, await(f, deadline)));
        return out;
    }

    private static boolean safely(BooleanSupplier probe) {
        try {
            return probe.getAsBoolean();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static boolean await(CompletableFuture<Boolean> f, long deadline) {
        try {
            return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        probes.shutdownNow();
    }
}
