package dev.ward.store.redis;

import dev.ward.problem.StoreUnavailableException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One thread-safe, multiplexed connection to Redis or a Redis Cluster. Fails closed and fast: while
 * disconnected, commands are rejected at once (standalone) or time out after 2 s (cluster) and surface as
 * {@link StoreUnavailableException};
 * Lettuce reconnects by itself, so service resumes without a restart when Redis returns.
 */
public final class RedisConnection implements AutoCloseable {
    private final RedisEndpoint endpoint;
    private final ClientResources resources;
    private final AutoCloseable client;
    private final StatefulConnection<String, String> connection;
    private final RedisClusterCommands<String, String> commands;
    private final RedisClusterAsyncCommands<String, String> async;

    /** What connecting yields: the connection and its two command views (standalone and cluster alike). */
    private record Connected(StatefulConnection<String, String> connection, RedisClusterCommands<String, String> sync,
                             RedisClusterAsyncCommands<String, String> async) {}

    private RedisConnection(RedisEndpoint endpoint, ClientResources resources, AutoCloseable client, Connected c) {
        this.endpoint = endpoint;
        this.resources = resources;
        this.client = client;
        this.connection = c.connection();
        this.commands = c.sync();
        this.async = c.async();
    }

    public static RedisConnection open(RedisEndpoint endpoint) {
        // Reconnect attempts back off from 100 ms to at most 2 s, so service resumes within about 2 s of Redis
        // returning, however long it was away (Lettuce's default backs off to 30 s).
        ClientResources resources = ClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS))
                .build();
        TimeoutOptions timeouts = TimeoutOptions.enabled(RedisEndpoint.COMMAND_TIMEOUT);
        try {
            if (endpoint.cluster()) {
                RedisClusterClient client = RedisClusterClient.create(resources, endpoint.nodes());
                // Cluster node connections open lazily; rejecting while one is still connecting would refuse the
                // first command to each node. Commands wait instead, bounded by the 2 s command timeout.
                client.setOptions(ClusterClientOptions.builder()
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                        .autoReconnect(true)
                        .timeoutOptions(timeouts)
                        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder().enableAllAdaptiveRefreshTriggers().build())
                        .build());
                return connect(endpoint, resources, client::shutdown, () -> {
                    var c = client.connect();
                    return new Connected(c, c.sync(), c.async());
                });
            }
            RedisClient client = RedisClient.create(resources, endpoint.nodes().get(0));
            client.setOptions(ClientOptions.builder()
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .autoReconnect(true)
                    .timeoutOptions(timeouts)
                    .build());
            return connect(endpoint, resources, client::shutdown, () -> {
                var c = client.connect();
                return new Connected(c, c.sync(), c.async());
            });
        } catch (RedisException e) {
            resources.shutdown();
            throw new StoreUnavailableException("redis", e);
        }
    }

    /** Connects with a configured client, shutting the client down if connecting fails. */
    private static RedisConnection connect(RedisEndpoint endpoint, ClientResources resources, Runnable shutdown,
            Supplier<Connected> connecting) {
        try {
            return new RedisConnection(endpoint, resources, shutdown::run, connecting.get());
        } catch (RuntimeException e) {
            shutdown.run();
            throw e;
        }
    }

    /** Runs commands; a lost connection, a rejected command or a timeout becomes StoreUnavailableException. */
    public <T> T call(Function<RedisClusterCommands<String, String>, T> work) {
        try {
            return work.apply(commands);
        } catch (RedisException e) {
            throw new StoreUnavailableException("redis", e);
        }
    }

    /**
     * Sends one command per item without waiting in between (pipelined; on a cluster, to each item's node),
     * then waits for all, bounded by the command timeout. Same failure mapping as {@link #call}.
     */
    public <I, T> List<T> pipelined(List<I> items, BiFunction<RedisClusterAsyncCommands<String, String>, I, RedisFuture<T>> command) {
        try {
            List<RedisFuture<T>> futures = new ArrayList<>(items.size());
            for (I item : items) {
                futures.add(command.apply(async, item));
            }
            List<T> results = new ArrayList<>(items.size());
            long deadline = System.nanoTime() + RedisEndpoint.COMMAND_TIMEOUT.toNanos();
            for (RedisFuture<T> f : futures) {
                results.add(f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            }
            return results;
        } catch (RedisException e) {
            throw new StoreUnavailableException("redis", e);
        } catch (ExecutionException e) {
            throw new StoreUnavailableException("redis", e.getCause());
        } catch (TimeoutException e) {
            throw new StoreUnavailableException("redis", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("redis", e);
        }
    }

    /** Whether Redis answers a PING right now. */
    public boolean ping() {
        try {
            return "PONG".equals(call(RedisClusterCommands::ping));
        } catch (StoreUnavailableException e) {
            return false;
        }
    }

    public RedisEndpoint endpoint() { return endpoint; }

    @Override
    public void close() {
        try {
            connection.close();
            client.close();
        } catch (Exception ignored) {
            // closing a connection that is already gone
        } finally {
            resources.shutdown();
        }
    }

    @Override
    public String toString() { return "RedisConnection[" + endpoint + "]"; }
}
