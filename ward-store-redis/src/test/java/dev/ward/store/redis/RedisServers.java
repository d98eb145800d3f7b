package dev.ward.store.redis;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Real Redis servers that a test starts on loopback ports and stops after: one standalone server, a
 * standalone primary with one replica, or a 3-master Redis Cluster built with {@code redis-cli --cluster create}.
 * Skipped, loudly, when {@code redis-server} is not installed.
 */
public final class RedisServers implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path dir;
    private final List<Integer> ports;
    private final boolean cluster;
    /** Standalone with a replica: the second port is a replica of the first. */
    private final boolean replicated;
    private final List<Process> processes = new ArrayList<>();
    /** Nodes started by {@link #joinEmptyMaster()}, by port. */
    private final java.util.Map<Integer, Process> extra = new java.util.concurrent.ConcurrentHashMap<>();

    private RedisServers(Path dir, List<Integer> ports, boolean cluster, boolean replicated) {
        this.dir = dir;
        this.ports = ports;
        this.cluster = cluster;
        this.replicated = replicated;
    }

    public static RedisServers standalone(String suite) {
        requireRedis(suite);
        RedisServers s = new RedisServers(tempDir(), List.of(freePort()), false, false);
        s.startAll();
        return s;
    }

    /** A standalone primary ({@link #url()}) and one replica of it, returned once the replica is in sync. */
    public static RedisServers primaryWithReplica(String suite) {
        requireRedis(suite);
        List<Integer> ports = new ArrayList<>(List.of(freePort()));
        while (ports.size() < 2) {
            int p = freePort();
            if (!ports.contains(p)) {
                ports.add(p);
            }
        }
        RedisServers s = new RedisServers(tempDir(), ports, false, true);
        s.startAll();
        s.await(() -> s.run(List.of("redis-cli", "-p", Integer.toString(ports.get(1)), "info", "replication"))
                .contains("master_link_status:up"), "the replica in sync");
        return s;
    }

    /** The replica's {@code redis://} URL (of {@link #primaryWithReplica}). */
    public String replicaUrl() {
        requireReplicated();
        return "redis://127.0.0.1:" + ports.get(1);
    }

    /**
     * Freezes the replica (SIGSTOP): its connection stays open, so the primary still counts it, but it
     * acknowledges nothing until {@link #resumeReplica()}.
     */
    public void freezeReplica() {
        requireReplicated();
        signalReplica("-STOP");
    }

    public void resumeReplica() {
        requireReplicated();
        signalReplica("-CONT");
    }

    private void signalReplica(String signal) {
        String out = run(List.of("kill", signal, Long.toString(processes.get(1).pid())));
        if (!out.isBlank()) {
            throw new IllegalStateException("kill " + signal + ": " + out.strip());
        }
    }

    private void requireReplicated() {
        if (!replicated) {
            throw new IllegalStateException("only a primary with a replica has one");
        }
    }

    public static RedisServers cluster(String suite) {
        requireRedis(suite);
        List<Integer> ports = new ArrayList<>();
        while (ports.size() < 3) {
            int p = freePort();
            // The cluster bus listens on port + 10000.
            if (p < 55_000 && !ports.contains(p)) {
                ports.add(p);
            }
        }
        RedisServers s = new RedisServers(tempDir(), ports, true, false);
        s.startAll();
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        ports.forEach(p -> create.add("127.0.0.1:" + p));
        create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        s.run(create);
        for (int p : ports) {
            s.await(() -> s.run(List.of("redis-cli", "-p", Integer.toString(p), "cluster", "info")).contains("cluster_state:ok"),
                    "cluster state ok on " + p);
        }
        return s;
    }

    /**
     * Starts one more node of this cluster, a master that serves no slot, and returns its port once every node knows it:
     * what a master failed over and gone stays as in the cluster's node table until an operator forgets it.
     */
    public int joinEmptyMaster() {
        if (!cluster) {
            throw new IllegalStateException("only a cluster has nodes to join");
        }
        int port;
        do {
            port = freePort();
        } while (port >= 55_000 || ports.contains(port));
        int p = port;
        start(p);
        run(List.of("redis-cli", "-p", Integer.toString(ports.get(0)), "cluster", "meet", "127.0.0.1", Integer.toString(p)));
        for (int known : ports) {
            await(() -> run(List.of("redis-cli", "-p", Integer.toString(known), "cluster", "nodes")).lines()
                    .anyMatch(l -> l.contains(":" + p + "@") && l.contains("master") && l.contains("connected")),
                    "node " + p + " known to " + known);
        }
        return p;
    }

    /** Kills one node started by {@link #joinEmptyMaster()}, as a crash would. */
    public void kill(int port) {
        Process p = extra.remove(port);
        if (p == null) {
            throw new IllegalArgumentException("no node of " + port + " started by joinEmptyMaster");
        }
        p.destroyForcibly();
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The ports of the servers started first (not those of {@link #joinEmptyMaster()}). */
    public List<Integer> ports() { return List.copyOf(ports); }

    /** {@code redis://127.0.0.1:p} or {@code redis-cluster://127.0.0.1:p1,…}. */
    public String url() {
        if (!cluster) {
            return "redis://127.0.0.1:" + ports.get(0);
        }
        return "redis-cluster://" + String.join(",", ports.stream().map(p -> "127.0.0.1:" + p).toList());
    }

    /**
     * Writes each server's snapshot ({@code SAVE}, {@code dump.rdb} in this test's own directory), which a
     * {@link #restart()} after {@link #stop()} loads: Redis restored from a backup taken now.
     */
    public void save() {
        for (int port : ports) {
            String out = run(List.of("redis-cli", "-p", Integer.toString(port), "save"));
            if (!out.contains("OK")) {
                throw new IllegalStateException("SAVE on " + port + ": " + out.strip());
            }
        }
    }

    /** Kills every server (as a crash would), keeping the ports for {@link #restart()}. */
    public void stop() {
        processes.forEach(p -> {
            p.destroyForcibly();
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        processes.clear();
    }

    /**
     * Starts the servers again on the same ports, each loading what it last {@link #save() saved} (nothing, if never); a
     * cluster's nodes find each other again from their cluster config files.
     */
    public void restart() {
        startAll();
        if (cluster) {
            for (int p : ports) {
                await(() -> run(List.of("redis-cli", "-p", Integer.toString(p), "cluster", "info")).contains("cluster_state:ok"),
                        "cluster state ok on " + p + " after the restart");
            }
        }
    }

    private void startAll() {
        for (int port : ports) {
            processes.add(start(port));
        }
        for (int port : ports) {
            await(() -> run(List.of("redis-cli", "-p", Integer.toString(port), "ping")).contains("PONG"), "redis on " + port);
        }
    }

    private Process start(int port) {
        List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no",
                "--dbfilename", "dump-" + port + ".rdb"));
        if (cluster) {
            cmd.addAll(List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf"));
        }
        if (replicated && port != ports.get(0)) {
            cmd.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(ports.get(0))));
        }
        try {
            Process started = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis-" + port + ".log").toFile()).start();
            if (!ports.contains(port)) {
                extra.put(port, started);
                await(() -> run(List.of("redis-cli", "-p", Integer.toString(port), "ping")).contains("PONG"), "redis on " + port);
            }
            return started;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start redis-server", e);
        }
    }

    private String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private void await(java.util.function.BooleanSupplier ready, String what) {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (!ready.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            try {
                // Waiting on an external process to come up: there is no test clock to move here.
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Empty when redis-server and redis-cli can be run here; otherwise why not. */
    public static java.util.Optional<String> unavailable() {
        try {
            if (new ProcessBuilder("redis-server", "--version").start().waitFor() == 0
                    && new ProcessBuilder("redis-cli", "--version").start().waitFor() == 0) {
                return java.util.Optional.empty();
            }
        } catch (IOException e) {
            // not installed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return java.util.Optional.of("redis-server is not installed (apt-get install redis-server)");
    }

    private static void requireRedis(String suite) {
        java.util.Optional<String> why = unavailable();
        why.ifPresent(reason -> System.err.println("SKIPPED SUITE " + suite + ": " + reason));
        assumeTrue(why.isEmpty(), () -> why.orElseThrow());
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("ward-redis");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() { return "RedisServers" + ports + (cluster ? " (cluster)" : replicated ? " (primary, replica)" : ""); }

    @Override
    public void close() {
        stop();
        List.copyOf(extra.keySet()).forEach(this::kill);
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
