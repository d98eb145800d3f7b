package dev.ward.store.redis;

import dev.ward.problem.StoreUnavailableException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import java.net.SocketAddress;
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
    private static final Logger LOG = LoggerFactory.getLogger(RedisConnection.class);
    private final RedisEndpoint endpoint;
    private final ClientResources resources;
    private final AutoCloseable client;
    private final StatefulConnection<String, String> connection;
    private final RedisClusterCommands<String, String> commands;
    private final RedisClusterAsyncCommands<String, String> async;
    /** Opens another connection through the same client (see {@link #dedicated()}). */
    private final Supplier<Connected> connecting;
    /** False for a dedicated connection: the client and its resources belong to the connection it came from. */
    private final boolean ownsClient;
    private final List<RedisConnection> dedicated = new CopyOnWriteArrayList<>();
    /** Connections lost or made by the client, counted by its listener (see {@link #connectionChanges()}). */
    private final AtomicLong changes;

    /** What connecting yields: the connection and its two command views (standalone and cluster alike). */
    private record Connected(StatefulConnection<String, String> connection, RedisClusterCommands<String, String> sync,
                             RedisClusterAsyncCommands<String, String> async) {}

    private RedisConnection(RedisEndpoint endpoint, ClientResources resources, AutoCloseable client, Connected c,
                            Supplier<Connected> connecting, boolean ownsClient, AtomicLong changes) {
        this.changes = changes;
        this.endpoint = endpoint;
        this.resources = resources;
        this.client = client;
        this.connection = c.connection();
        this.commands = c.sync();
        this.async = c.async();
        this.connecting = connecting;
        this.ownsClient = ownsClient;
    }

    /**
     * Commands written to a connection while its I/O thread is busy leave in one system call instead of one each
     * (Netty's {@link FlushConsolidationHandler}, also when no read is in progress: the flush runs once the thread has
     * taken every write queued so far). Each request's command is written from its own thread, so under load a write
     * and a read per command were most of the client's and Redis's CPU (issue 13; bench/RESULTS.md).
     */
    private static final NettyCustomizer CONSOLIDATED_FLUSHES = new NettyCustomizer() {
        @Override
        public void afterChannelInitialized(Channel channel) {
            channel.pipeline().addFirst(new FlushConsolidationHandler(
                    FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
        }
    };

    public static RedisConnection open(RedisEndpoint endpoint) {
        // Reconnect attempts back off from 100 ms to at most 2 s, so service resumes within about 2 s of Redis
        // returning, however long it was away (Lettuce's default backs off to 30 s).
        ClientResources resources = ClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS))
                .nettyCustomizer(CONSOLIDATED_FLUSHES)
                .build();
        TimeoutOptions timeouts = TimeoutOptions.enabled(RedisEndpoint.COMMAND_TIMEOUT);
        // Connecting is bounded like a command (Lettuce's default waits 10 s for a host that drops packets).
        SocketOptions socket = SocketOptions.builder().connectTimeout(RedisEndpoint.COMMAND_TIMEOUT).keepAlive(true).build();
        AtomicLong changes = new AtomicLong();
        // Called on the connection's I/O thread as it goes down or comes up, before any command can use the new one.
        RedisConnectionStateListener counting = new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                changes.incrementAndGet();
            }

            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                changes.incrementAndGet();
            }
        };
        try {
            if (endpoint.cluster()) {
                RedisClusterClient client = RedisClusterClient.create(resources, endpoint.nodes());
                client.addListener(counting);
                // Cluster node connections open lazily; rejecting while one is still connecting would refuse the
                // first command to each node. Commands wait instead, bounded by the 2 s command timeout.
                client.setOptions(ClusterClientOptions.builder()
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                        .autoReconnect(true)
                        .timeoutOptions(timeouts)
                        .socketOptions(socket)
                        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder().enableAllAdaptiveRefreshTriggers().build())
                        .build());
                return connect(endpoint, resources, client::shutdown, () -> {
                    var c = client.connect(TextCodec.UTF8);
                    return new Connected(c, c.sync(), c.async());
                }, changes);
            }
            RedisClient client = RedisClient.create(resources, endpoint.nodes().get(0));
            client.addListener(counting);
            client.setOptions(ClientOptions.builder()
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .autoReconnect(true)
                    .timeoutOptions(timeouts)
                    .socketOptions(socket)
                    .build());
            return connect(endpoint, resources, client::shutdown, () -> {
                var c = client.connect(TextCodec.UTF8);
                return new Connected(c, c.sync(), c.async());
            }, changes);
        } catch (RedisException e) {
            resources.shutdown();
            throw new StoreUnavailableException("redis", e);
        }
    }

    /** Connects with a configured client, shutting the client down if connecting fails. */
    private static RedisConnection connect(RedisEndpoint endpoint, ClientResources resources, Runnable shutdown,
            Supplier<Connected> connecting, AtomicLong changes) {
        try {
            return new RedisConnection(endpoint, resources, shutdown::run, connecting.get(), connecting, true, changes);
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

    /**
     * Another connection to the same Redis, for commands that hold their connection while they wait
     * ({@code WAIT}): on the shared one they would hold up every request behind them. Closed with this one.
     */
    public RedisConnection dedicated() {
        try {
            RedisConnection d = new RedisConnection(endpoint, resources, () -> { }, connecting.get(), connecting, false, changes);
            dedicated.add(d);
            return d;
        } catch (RedisException e) {
            throw new StoreUnavailableException("redis", e);
        }
    }

    /**
     * Runs commands on the connection to the master that serves {@code slot} — on a cluster, that node's own
     * connection rather than the routing one — so that a {@code WAIT} sent after a write counts that write:
     * Redis counts the writes of the connection it is sent on. Standalone, the one connection.
     */
    public <T> T onMasterOf(int slot, Function<RedisClusterCommands<String, String>, T> work) {
        if (!(connection instanceof StatefulRedisClusterConnection<String, String> cluster)) {
            return call(work);
        }
        try {
            RedisClusterNode master = cluster.getPartitions().getMasterBySlot(slot);
            if (master == null) {
                throw new RedisException("no master known for slot " + slot);
            }
            return work.apply(cluster.getConnection(master.getUri().getHost(), master.getUri().getPort()).sync());
        } catch (RedisException | IllegalArgumentException e) {
            // IllegalArgumentException: the topology changed under us and that node is no longer part of it.
            throw new StoreUnavailableException("redis", e);
        }
    }

    /** Whether scripts run as functions of Ward's library (decision 0046): false once Redis is found to lack them. */
    private volatile boolean functions = true;

    /** Whether {@link RedisScripts} calls its functions ({@code FCALL}) here, rather than sending scripts. */
    boolean functions() { return functions; }

    /**
     * What a failed {@code FCALL} calls for: where the library is missing, it is loaded on every master (true: call
     * again); where Redis has no functions or may not run them, scripts are used from now on (true: send the script);
     * any other failure is the caller's to report (false). {@code loadsBefore}: {@link #loads()} before the call was sent.
     */
    boolean loadFunctions(RedisCommandExecutionException failure, long loadsBefore) {
        if (unsupported(failure)) {
            useScripts(failure);
            return true;
        }
        if (!functionMissing(failure)) {
            return false;
        }
        // One load at a time, and none where another finished after this call was sent: every call in flight when Redis
        // lost the library finds it missing, and each FUNCTION LOAD holds Redis some 1.4 ms (47 KB of Lua compiled), so
        // a few hundred validations after a restart would otherwise stall Redis for all of them.
        loading.lock();
        try {
            if (loads != loadsBefore) {
                return true;
            }
            try {
                load();
            } finally {
                // Counted done even where it failed: those waiting call again (and fail, or run the script, as it
                // goes) rather than each waiting its turn to fail as slowly.
                loads++;
            }
        } finally {
            loading.unlock();
        }
        return true;
    }

    /** Lets one load of the library run at a time ({@link #loadFunctions}); {@code loads} counts those tried. */
    private final java.util.concurrent.locks.ReentrantLock loading = new java.util.concurrent.locks.ReentrantLock();
    private volatile long loads;

    /** How many loads of the library this connection tried so far: read before a call, given to {@link #loadFunctions}. */
    long loads() { return loads; }

    private void load() {
        try {
            if (connection instanceof StatefulRedisClusterConnection<String, String> cluster) {
                for (RedisClusterNode node : cluster.getPartitions()) {
                    // A master the cluster holds failed (one failed over and gone stays in its node table until an
                    // operator forgets it) serves nothing: waiting for it would fail every call to the others.
                    if (node.getRole().isUpstream() && !node.is(RedisClusterNode.NodeFlag.FAIL)) {
                        loadOn(cluster, node);
                    }
                }
            } else {
                commands.functionLoad(RedisScripts.LIBRARY, true);
            }
        } catch (RedisCommandExecutionException refused) {
            if (refusedAsAWrite(refused)) {
                return; // Redis at maxmemory, or a replica, takes no library: the call, missing it again, runs as a script
            }
            if (!unsupported(refused)) {
                throw refused;
            }
            useScripts(refused);
        }
    }

    /**
     * Loads the library on one master. One that cannot be reached (down, or gone from the topology) is passed over: the
     * call that found the library missing is repeated whatever happens here, and fails as it should where its own node
     * is the one out of reach, rather than every call to the reachable masters failing for it.
     */
    private void loadOn(StatefulRedisClusterConnection<String, String> cluster, RedisClusterNode node) {
        try {
            cluster.getConnection(node.getNodeId()).sync().functionLoad(RedisScripts.LIBRARY, true);
        } catch (RedisCommandExecutionException refused) {
            throw refused;
        } catch (RedisException | IllegalArgumentException unreachable) {
            // Host and port only: a node's URI may carry the password.
            LOG.warn("Ward's function library not loaded on Redis node {}:{} ({}): its calls there fail until it is",
                    node.getUri().getHost(), node.getUri().getPort(), unreachable.getClass().getSimpleName());
        }
    }

    private void useScripts(RedisCommandExecutionException why) {
        if (functions) {
            functions = false;
            LOG.warn("Redis at {} runs no functions ({}): Ward sends its scripts by EVALSHA, which costs Redis more CPU per "
                    + "call; Redis 7.0 or later with FUNCTION and FCALL allowed runs them as functions", endpoint, reason(why));
        }
    }

    /** A failure's message without the arguments Redis before 7 quotes after an unknown command (a token's hash among them). */
    private static String reason(RedisCommandExecutionException e) {
        String m = String.valueOf(e.getMessage());
        int args = m.indexOf(", with args");
        return args < 0 ? m : m.substring(0, args);
    }

    /** Whether a failure says the node does not hold the function (its library not loaded there). */
    static boolean functionMissing(RedisCommandExecutionException e) {
        String m = e.getMessage();
        return m != null && m.startsWith("ERR Function not found") && !ranInside(m);
    }

    /**
     * Whether a failure says Redis has no functions (before 7.0) or the user may not call or load them: {@code FCALL} or
     * {@code FUNCTION} itself unknown or refused. Not a refusal of the call's keys (a script would be refused them too),
     * nor any failure of a command the function ran: the function ran then, and may have written before it failed, so
     * sending the same code again as a script would do its work twice.
     */
    static boolean unsupported(RedisCommandExecutionException e) {
        String m = e.getMessage();
        if (m == null || ranInside(m)) {
            return false;
        }
        return m.startsWith("ERR unknown command")
                || m.startsWith("NOPERM") && (m.contains("'fcall'") || m.contains("'function"));
    }

    /**
     * Whether Redis refused a function before it ran as a write: at maxmemory ({@code OOM}) or on a read-only replica
     * ({@code READONLY}). A function without the {@code no-writes} flag counts as a write whatever it does, where a
     * script is refused only at a command that writes (or adds to memory): that call then runs as a script, so that what
     * worked with scripts (reads, and deletions that free memory) still does.
     */
    static boolean refusedAsAWrite(RedisCommandExecutionException e) {
        String m = e.getMessage();
        return m != null && (m.startsWith("OOM ") || m.startsWith("READONLY ")) && !ranInside(m);
    }

    /** Whether an error was raised while a function or script ran (Redis appends where: " script: name, on @…"). */
    private static boolean ranInside(String message) {
        return message.contains(" script: ") || message.contains("@user_function") || message.contains("@user_script");
    }

    /**
     * How many times a connection of this client (on a cluster, to any node) was lost or made so far. Redis cannot
     * restart without dropping the connection, so an unchanged count means the same Redis process answers as before.
     */
    public long connectionChanges() { return changes.get(); }

    /**
     * Which Redis processes serve now: the {@code run_id} of the server, or of each cluster master (sorted), which Redis
     * draws anew at every start. A restart, a restore from a snapshot or a failover changes it.
     */
    public String serverIdentity() {
        if (!(connection instanceof StatefulRedisClusterConnection<String, String> cluster)) {
            return runId(call(r -> r.info("server")));
        }
        try {
            List<String> ids = new ArrayList<>();
            for (RedisClusterNode node : cluster.getPartitions()) {
                if (node.getRole().isUpstream()) {
                    ids.add(runId(cluster.getConnection(node.getNodeId()).sync().info("server")));
                }
            }
            if (ids.isEmpty()) {
                throw new RedisException("no master known");
            }
            ids.sort(null);
            return String.join(",", ids);
        } catch (RedisException | IllegalArgumentException e) {
            throw new StoreUnavailableException("redis", e);
        }
    }

    private static String runId(String info) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("run_id:")) {
                return line.substring("run_id:".length()).strip();
            }
        }
        throw new StoreUnavailableException("redis", new IllegalStateException("INFO server names no run_id"));
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
        dedicated.forEach(RedisConnection::close);
        try {
            connection.close();
            client.close();
        } catch (Exception ignored) {
            // closing a connection that is already gone
        } finally {
            if (ownsClient) {
                resources.shutdown();
            }
        }
    }

    @Override
    public String toString() { return "RedisConnection[" + endpoint + "]"; }
}
