package dev.ward.server.cli;

import dev.ward.problem.StoreUnavailableException;
import dev.ward.server.Config;
import dev.ward.server.Ward;
import dev.ward.session.CleanupCriteria;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run the Ward server.",
                "Embedded mode (default): an H2 database and a development master key in the data directory.",
                "Environment: WARD_MASTER_KEY (base64 of 32 bytes), WARD_BOOTSTRAP_ADMIN_PASSWORD, WARD_DATA_DIR,",
                "WARD_COOKIE_SECURE, WARD_LOGIN_RATE_PER_IP, WARD_LOGIN_RATE_PER_USERNAME,",
                "WARD_ARGON2_MEMORY_KIB, WARD_ARGON2_ITERATIONS.",
                "ATNA: WARD_AUDIT_SYSLOG (tls://host:6514: every audit event as RFC 5424 syslog over TLS, FHIR AuditEvent JSON),",
                "WARD_AUDIT_SYSLOG_CA (receiver's CA, PEM or a file), WARD_AUDIT_SYSLOG_CERT / WARD_AUDIT_SYSLOG_KEY (mutual TLS)."})
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

    /** Whether this run uses the embedded database (so a lock on the data directory is the likely cause). */
    private static boolean embedded() {
        return System.getenv().getOrDefault("WARD_DATABASE_URL", "").isBlank();
    }

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
        Ward ward;
        try {
            config = Config.fromEnvironment(System.getenv(), host, port, Config.dataDir(dataDir, System.getenv()));
            ward = Ward.start(config, Clock.systemUTC(), System.out, startupCleanup);
        } catch (Config.ConfigException | IllegalStateException e) {
            System.err.println("ward serve: " + e.getMessage());
            return 2;
        } catch (StoreUnavailableException e) {
            String hint = switch (e.store()) {
                case "redis" -> " (is WARD_REDIS_URL right, and does Redis answer there?)";
                case "database" -> embedded() ? " (is another program holding the data directory?)"
                        : " (is WARD_DATABASE_URL right, and does PostgreSQL answer there?)";
                default -> "";
            };
            System.err.println("ward serve: " + e.getMessage() + hint);
            return 1;
        } catch (RuntimeException e) {
            System.err.println("ward serve: could not start: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + firstLine(e.getMessage())));
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            ward.close();
            stopped.countDown();
        }, "ward-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
