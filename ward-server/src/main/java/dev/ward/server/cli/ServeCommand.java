package dev.ward.server.cli;

import dev.ward.problem.StoreUnavailableException;
import dev.ward.server.Config;
import dev.ward.server.Ward;
import dev.ward.session.CleanupCriteria;
import io.javalin.util.JavalinBindException;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;
import sun.misc.SignalHandler;

@Command(name = "serve", mixinStandardHelpOptions = true,
        header = "Run the Ward server.",
        description = {"Embedded mode (default): an H2 database and a development master key in the data directory.",
                "Production mode: WARD_DATABASE_URL (PostgreSQL) and WARD_REDIS_URL, with WARD_MASTER_KEY.",
                "SIGTERM stops it gracefully: readiness says 503 (for WARD_SHUTDOWN_NOTICE_SECONDS while still serving),",
                "then no new connections, and requests in flight finish (within WARD_SHUTDOWN_GRACE_SECONDS)."})
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--host", defaultValue = Config.DEFAULT_HOST, description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port to listen on, 0 for any free port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data-dir", description = "Data directory of the embedded mode (default: $WARD_DATA_DIR or ./ward-data).")
    Path dataDir;

    @Option(names = "--cleanup-on-start", description = "Before listening, remove ended sessions left from before (orphans).")
    boolean cleanupOnStart;

    @Option(names = "--all-sessions", description = "With --cleanup-on-start: remove every session, signing everybody out.")
    boolean allSessions;

    @Option(names = "--older-than-hours", paramLabel = "N", description = "With --cleanup-on-start: only sessions created more than N hours ago.")
    Integer olderThanHours;

    @Override
    public Integer call() {
        if (port < 0 || port > 65535) {
            System.err.println("ward serve: --port must be between 0 and 65535, got " + port);
            return 2;
        }
        if ((allSessions || olderThanHours != null) && !cleanupOnStart) {
            System.err.println("ward serve: --all-sessions and --older-than-hours only go with --cleanup-on-start.");
            return 2;
        }
        if (olderThanHours != null && olderThanHours < 1) {
            System.err.println("ward serve: --older-than-hours must be 1 or more, got " + olderThanHours + ".");
            return 2;
        }
        Optional<Ward.StartupCleanup> startupCleanup = cleanupOnStart
                ? Optional.of(new Ward.StartupCleanup(new CleanupCriteria(
                        allSessions ? CleanupCriteria.Selection.ALL : CleanupCriteria.Selection.ENDED,
                        olderThanHours == null ? null : Instant.now().minus(Duration.ofHours(olderThanHours)), null)))
                : Optional.empty();
        Config config;
        Duration notice;
        try {
            java.util.Map<String, String> env = dev.ward.server.ConfigFile.current();
            config = Config.fromEnvironment(env, host, port, Config.dataDir(dataDir, env));
            notice = Config.shutdownNotice(env);
        } catch (Config.ConfigException e) {
            System.err.println("ward serve: " + e.getMessage());
            return 2;
        }
        if (portTaken(host, port)) {
            System.err.println(portInUse());
            return 1;
        }
        Ward ward;
        try {
            ward = Ward.start(config, Clock.systemUTC(), System.out, startupCleanup);
        } catch (Config.ConfigException | IllegalStateException e) {
            System.err.println("ward serve: " + e.getMessage());
            return 2;
        } catch (StoreUnavailableException e) {
            System.err.println("ward serve: " + ExistingData.explain(e, config));
            return 1;
        } catch (JavalinBindException e) {
            System.err.println(portInUse());
            return 1;
        } catch (RuntimeException e) {
            System.err.println("ward serve: could not start: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + firstLine(e.getMessage())));
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean stopping = new AtomicBoolean();
        Runnable stop = () -> {
            stopGracefully(ward, notice, config.shutdownGrace());
            stopped.countDown();
        };
        // SIGTERM and SIGINT are handled here rather than by the JVM's shutdown: that would run H2's own hook too,
        // which closes the embedded database under the requests a graceful stop lets finish. A second signal ends
        // the process at once.
        SignalHandler onSignal = signal -> {
            if (stopping.compareAndSet(false, true)) {
                new Thread(stop, "ward-stop").start();
            } else {
                System.out.println("Ward: stopping at once");
                System.exit(128 + signal.getNumber());
            }
        };
        Signal.handle(new Signal("TERM"), onSignal);
        Signal.handle(new Signal("INT"), onSignal);
        // Any other end of the JVM (SIGHUP, ...) still closes what it can.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (stopping.compareAndSet(false, true)) {
                stop.run();
            }
        }, "ward-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /**
     * Readiness says 503 (and, for {@code notice}, everything else is still served, while a balancer takes the node
     * out), then no new connections, the requests in flight finish within {@code grace}, and the stores close.
     */
    private static void stopGracefully(Ward ward, Duration notice, Duration grace) {
        ward.announceStop();
        if (notice.isPositive()) {
            System.out.println("Ward stopping: readiness says 503; serving " + notice.toSeconds() + " s more");
            try {
                Thread.sleep(notice);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        System.out.println("Ward stopping: refusing new connections, finishing requests in flight (at most "
                + grace.toSeconds() + " s)");
        ward.close();
        System.out.println("Ward stopped");
    }

    /** Whether another program listens on the port: said before the data is touched (the bind race is caught too). */
    private static boolean portTaken(String host, int port) {
        if (port == 0) {
            return false;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(host, port));
            return false;
        } catch (BindException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private String portInUse() {
        return "ward serve: port " + port + " on " + host + " is in use by another program; stop it, or choose another "
                + "port with --port (e.g. --port " + (port == 65535 ? 8081 : port + 1) + ")";
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
