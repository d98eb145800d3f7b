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
import java.util.Map;
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

    private RedisConnection(RedisEndpoint endpoint, ClientResources resources, AutoCloseable client,
                            StatefulConnection<String, String> connection, RedisClusterCommands<String, String> commands) {
        this.endpoint = endpoint;
        this.resources = resources;
        this.client = client;
        this.connection = connection;
        this.commands = commands;
    }

    public static RedisConnection open(RedisEndpoint endpoint) {
        ClientResources resources = ClientResources.create();
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
                    return Map.entry(c, c.sync());
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
                return Map.entry(c, c.sync());
            });
        } catch (RedisException e) {
            resources.shutdown();
            throw new StoreUnavailableException("redis", e);
        }
    }

    /** Connects with a configured client, shutting the client down if connecting fails. */
    private static RedisConnection connect(RedisEndpoint endpoint, ClientResources resources, Runnable shutdown,
            Supplier<Map.Entry<? extends StatefulConnection<String, String>, ? extends RedisClusterCommands<String, String>>> connecting) {
        try {
            var c = connecting.get();
            return new RedisConnection(endpoint, resources, shutdown::run, c.getKey(), c.getValue());
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
