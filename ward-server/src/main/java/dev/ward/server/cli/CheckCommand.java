package dev.ward.server.cli;

import dev.ward.crypto.MasterKey;
import dev.ward.server.Config;
import dev.ward.server.Ward;
import dev.ward.store.redis.RedisConnection;
import dev.ward.store.redis.RedisEndpoint;
import dev.ward.tenant.Policy;
import dev.ward.tenant.Tenant;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Verify the configuration: which stores are configured and whether each answers,",
                "and warnings about insecure settings and tenant policies outside recommended ranges.",
                "Exit status: 0 when every store answers, 1 when one does not, 2 for a configuration error",
                "(with --strict, warnings also give 1)."})
final class CheckCommand implements Callable<Integer> {
    @Option(names = "--data-dir", description = "Data directory of the embedded mode (default: $WARD_DATA_DIR or ./ward-data).")
    Path dataDir;

    @Option(names = "--host", defaultValue = Config.DEFAULT_HOST, description = "The address the server listens on, to judge exposure (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--strict", description = "Treat warnings as failures.")
    boolean strict;

    private final List<String> warnings = new ArrayList<>();

    @Override
    public Integer call() {
        PrintStream out = System.out;
        Map<String, String> env = System.getenv();
        Config config;
        try {
            config = Config.fromEnvironment(env, host, Config.DEFAULT_PORT, Config.dataDir(dataDir, env));
        } catch (Config.ConfigException e) {
            System.err.println("ward check: " + e.getMessage());
            return 2;
        }
        out.println("Mode: " + (config.production() ? "production (PostgreSQL)" : "embedded (H2 in " + config.dataDir().toAbsolutePath() + ")"));

        boolean storesOk = true;
        if (!config.production() && !Files.exists(config.dataDir().resolve("ward.mv.db"))) {
            out.println("Database: no embedded database yet in " + config.dataDir() + " (created by the first ./ward serve)");
        } else {
            // Redis is checked on its own below; here only the database, so that one store's failure is not blamed on the other.
            try (Ward.Core core = Ward.Core.open(config.withoutRedis(), Clock.systemUTC())) {
                boolean up = core.db().ping();
                out.println("Database: " + describeDatabase(config) + " — " + (up ? "answers" : "DOES NOT ANSWER"));
                storesOk = up;
                if (core.masterKey().source() == MasterKey.Source.DEV_KEY_FILE) {
                    warn("the master key is the development key file " + config.dataDir().resolve(MasterKey.FILE_NAME)
                            + "; set WARD_MASTER_KEY for anything but development");
                }
                if (up) {
                    for (Tenant t : core.tenants().list(new dev.ward.access.Actor.Operator())) {
                        checkPolicy(t);
                    }
                }
            } catch (RuntimeException e) {
                out.println("Database: " + describeDatabase(config) + " — DOES NOT ANSWER (" + e.getClass().getSimpleName() + ")");
                storesOk = false;
            }
        }
        String redis = env.getOrDefault("WARD_REDIS_URL", "");
        if (redis.isBlank()) {
            out.println("Redis: not configured (sessions are kept in the database)");
        } else {
            RedisEndpoint endpoint;
            try {
                endpoint = RedisEndpoint.parse(redis);
            } catch (IllegalArgumentException e) {
                System.err.println("ward check: " + e.getMessage());
                return 2;
            }
            boolean up;
            String eviction = null;
            try (RedisConnection c = RedisConnection.open(endpoint)) {
                up = c.ping();
                eviction = up ? evictionPolicy(c) : null;
            } catch (RuntimeException e) {
                up = false;
            }
            out.println("Redis: " + endpoint + " — " + (up ? "answers" : "DOES NOT ANSWER") + " (sessions and their attributes)");
            storesOk &= up;
            if (eviction != null && !eviction.equals("noeviction")) {
                warn("Redis maxmemory-policy is " + eviction + ": Redis may evict Ward's keys before their time (a user's "
                        + "session index among them, weakening the concurrent-session limit); set it to noeviction");
            }
            if (!endpoint.tls() && !endpoint.loopbackOnly()) {
                warn("WARD_REDIS_URL reaches a host beyond this machine without TLS; use rediss:// or rediss-cluster://");
            }
        }

        checkAuditSyslog(config, out);

        boolean exposed = !loopback(host);
        if (exposed && !config.cookieSecure()) {
            warn("listening on " + host + " without WARD_COOKIE_SECURE=true: session cookies are not marked Secure; "
                    + "serve Ward behind TLS and set it");
        }
        if (config.bootstrapAdminPassword().isPresent()) {
            warn("WARD_BOOTSTRAP_ADMIN_PASSWORD is still set; it is only needed for the first start — remove it");
        }
        if (config.loginLimits().perUsernamePerMinute() > 100) {
            warn("WARD_LOGIN_RATE_PER_USERNAME is " + config.loginLimits().perUsernamePerMinute() + "/min; above 100 weakens brute-force protection");
        }

        out.println(warnings.isEmpty() ? "No warnings." : warnings.size() + " warning(s):");
        warnings.forEach(w -> out.println("  WARNING: " + w));
        if (!storesOk) {
            return 1;
        }
        return strict && !warnings.isEmpty() ? 1 : 0;
    }

    /** Recommended ranges (PRODUCT.md defaults, OWASP session guidance); values outside work but are flagged. */
    private void checkPolicy(Tenant t) {
        Policy p = t.policy();
        String where = "tenant " + t.id() + ": ";
        if (p.idleTimeout().compareTo(Duration.ofHours(1)) > 0) {
            warn(where + "session.idle_timeout_seconds is " + p.idleTimeout().toSeconds() + "; more than 3600 leaves unattended screens open");
        }
        if (p.absoluteTimeout().compareTo(Duration.ofHours(24)) > 0) {
            warn(where + "session.absolute_timeout_seconds is " + p.absoluteTimeout().toSeconds() + "; more than 86400 is unusually long");
        }
        if (p.idleTimeout().compareTo(Duration.ofMinutes(2)) < 0) {
            warn(where + "session.idle_timeout_seconds is " + p.idleTimeout().toSeconds() + "; under 120 signs people out while they work");
        }
        if (p.maxLoginFailures() > 10) {
            warn(where + "login.max_failures is " + p.maxLoginFailures() + "; more than 10 weakens lockout");
        }
        if (p.lockout().compareTo(Duration.ofMinutes(1)) < 0) {
            warn(where + "login.lockout_seconds is " + p.lockout().toSeconds() + "; under 60 barely slows guessing");
        }
        if (p.passwordMinLength() < 12) {
            warn(where + "password.min_length is " + p.passwordMinLength() + "; below 12 is below the recommended minimum");
        }
        if (p.binding() == Policy.Binding.OFF) {
            warn(where + "session.binding is off; a stolen token works from anywhere without a trace");
        }
        if (p.rotationGrace().compareTo(Duration.ofMinutes(2)) > 0) {
            warn(where + "session.rotation_grace_seconds is " + p.rotationGrace().toSeconds() + "; more than 120 keeps old tokens alive long");
        }
        if (p.maxConcurrentSessions() > 20) {
            warn(where + "session.max_concurrent is " + p.maxConcurrentSessions() + "; more than 20 hides shared accounts");
        }
        if (p.mfaRequiredRoles().isEmpty()) {
            warn(where + "mfa.required_roles is empty; no role must use MFA");
        }
        if (p.mfaChallengeMaxFailures() > 10) {
            warn(where + "mfa.challenge_max_failures is " + p.mfaChallengeMaxFailures() + "; more than 10 lets one login guess codes longer");
        }
        if (p.mfaChallengeLifetime().compareTo(Duration.ofMinutes(10)) > 0) {
            warn(where + "mfa.challenge_seconds is " + p.mfaChallengeLifetime().toSeconds() + "; more than 600 keeps half-finished logins open");
        }
        if (p.keyRotation().compareTo(Duration.ofDays(90)) > 0) {
            warn(where + "keys.rotate_after_seconds is " + p.keyRotation().toSeconds()
                    + "; more than 90 days puts much data under one key version");
        }
    }

    /**
     * The ATNA receiver: whether a TLS connection (mutual, where configured) can be made now. A receiver that does
     * not answer is a warning, not a failure: Ward serves without it and forwards what it missed later.
     */
    private void checkAuditSyslog(Config config, PrintStream out) {
        if (config.auditSyslog().isEmpty()) {
            out.println("Audit syslog (ATNA): not configured");
            return;
        }
        dev.ward.atna.SyslogTarget target = config.auditSyslog().get();
        java.util.Optional<String> problem = dev.ward.atna.AtnaForwarder.check(target, Duration.ofSeconds(5));
        out.println("Audit syslog (ATNA): " + target + " — " + problem.map(p -> "CANNOT CONNECT (" + p + ")").orElse("TLS connection accepted"));
        problem.ifPresent(p -> warn("the audit syslog receiver " + target + " cannot be reached over TLS (" + p
                + "); events wait in the outbox until it can"));
    }

    private void warn(String message) { warnings.add(message); }

    private static String describeDatabase(Config config) {
        if (!config.production()) {
            return "H2 " + config.dataDir().resolve("ward.mv.db");
        }
        String url = config.databaseUrl().orElseThrow();
        int q = url.indexOf('?');
        // Never print the query string: it may carry a password.
        return "PostgreSQL " + (q < 0 ? url : url.substring(0, q));
    }

    /** The server's maxmemory-policy, or null where CONFIG is not allowed (managed Redis services often refuse it). */
    private static String evictionPolicy(RedisConnection c) {
        try {
            return c.call(r -> r.configGet("maxmemory-policy")).get("maxmemory-policy");
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
