package dev.ward.user;

import dev.ward.problem.ServerBusyException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The threads that password hashing runs on: a fixed number (about the core count) and a short queue.
 * Each Argon2id run holds its whole memory cost (19 MiB by default) while it runs, so the number running
 * at once is what bounds the heap; a request that finds the threads busy and the queue full is refused at
 * once ({@link ServerBusyException}, {@code 503 server_busy}) instead of waiting or allocating.
 */
public final class HashingPool implements AutoCloseable {
    /** What a refused caller is told to wait: a queue this short drains in well under a second. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private final int threads;
    private final int queue;
    /**
     * One permit per hash running or waiting. Admission is decided here rather than by the executor's own
     * queue, whose refusal also depends on whether a thread that just finished is back to take work yet.
     */
    private final Semaphore admitted;
    private final ThreadPoolExecutor executor;

    /**
     * @param threads hashes computed at once (at least 1)
     * @param queue   hashes waiting for a thread beyond those (0: none wait)
     */
    public HashingPool(int threads, int queue) {
        if (threads < 1 || queue < 0) {
            throw new IllegalArgumentException("a hashing pool needs at least one thread and a queue of 0 or more");
        }
        this.threads = threads;
        this.queue = queue;
        this.admitted = new Semaphore(threads + queue);
        AtomicInteger n = new AtomicInteger();
        // The executor's queue never holds more than `queue` tasks: the semaphore admits no more.
        executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "ward-hashing-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        // A CLI command or an idle server holds no hashing threads.
        executor.allowCoreThreadTimeOut(true);
    }

    /** Runs {@code work} on the pool and waits for it; refuses at once when every thread is busy and the queue full. */
    <T> T run(Supplier<T> work) {
        if (!admitted.tryAcquire()) {
            throw busy();
        }
        Future<T> result;
        try {
            result = executor.submit(() -> {
                try {
                    return work.get();
                } finally {
                    admitted.release();
                }
            });
        } catch (RejectedExecutionException closed) {
            admitted.release();
            throw busy();
        }
        try {
            return result.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            // The server is stopping. The hash finishes on its own (and gives its place back); nobody waits for it.
            Thread.currentThread().interrupt();
            throw busy();
        }
    }

    private static ServerBusyException busy() {
        return new ServerBusyException("password hashing", RETRY_AFTER);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    @Override
    public String toString() { return "HashingPool[threads=" + threads + ", queue=" + queue + "]"; }
}
