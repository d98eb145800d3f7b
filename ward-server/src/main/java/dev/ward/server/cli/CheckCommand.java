package dev.ward.server.cli;

import dev.ward.crypto.MasterKey;
import dev.ward.crypto.MasterKeyMismatchException;
import dev.ward.problem.StoreUnavailableException;
import dev.ward.server.Config;
import dev.ward.server.DataDirectory;
import dev.ward.server.Ward;
import dev.ward.store.sql.SqlDatabase;
import dev.ward.store.redis.RedisConnection;
import dev.ward.store.redis.RedisEndpoint;
import dev.ward.tenant.Policy;
import dev.ward.tenant.Tenant;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "check", mixinStandardHelpOptions = true,
        header = "Verify the configuration and the stores, changing nothing.",
        description = {"Reports which stores are configured and whether each answers, migrations not applied yet,",
                "whether the master key is the one the data is sealed under, and warnings about insecure settings",
                "and tenant policies outside recommended ranges. It only reads: nothing is created or migrated.",
                "Exit codes: 0 when every store answers and the master key matches, 1 otherwise, 2 for a",
                "configuration error or bad options (with --strict, warnings also give 1).",
                "--format json prints {ok, stores_ok, checks: [{check, result}], warnings} for monitoring scripts."})
final class CheckCommand implements Callable<Integer> {
    @Option(names = "--data-dir", description = "Data directory of the embedded mode (default: $WARD_DATA_DIR or ./ward-data).")
    Path dataDir;

    @Option(names = "--host", defaultValue = Config.DEFAULT_HOST, description = "The address the server listens on, to judge exposure (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--strict", description = "Treat warnings as failures.")
    boolean strict;

    @picocli.CommandLine.Mixin
    OutputFormat output;

    private final List<String> warnings = new ArrayList<>();
    /** What was checked, as "Subject: result" lines; --format json splits them into objects. */
    private final List<String> findings = new ArrayList<>();

    @Override
    public Integer call() {
        if (output.bad("ward check")) {
            return 2;
        }
        Map<String, String> env = dev.ward.server.ConfigFile.current();
        Config config;
        try {
            config = Config.fromEnvironment(env, host, Config.DEFAULT_PORT, Config.dataDir(dataDir, env));
        } catch (Config.ConfigException e) {
            System.err.println("ward check: " + e.getMessage());
            return 2;
        }
        if (env.containsKey(dev.ward.server.ConfigFile.VARIABLE)) {
            say("Configuration file: " + env.get(dev.ward.server.ConfigFile.VARIABLE) + " (the environment wins over it)");
        }
        say("Mode: " + (config.production() ? "production (PostgreSQL)" : "embedded (H2 in " + config.dataDir().toAbsolutePath() + ")"));

        boolean storesOk = true;
        if (!config.production() && !Files.exists(config.dataDir().resolve("ward.mv.db"))) {
            say("Database: no embedded database yet in " + config.dataDir() + " (created by the first ./ward serve)");
        } else {
            // Redis is checked on its own below; here only the database, so that one store's failure is not blamed on the other.
            storesOk = checkDatabase(config);
        }
        String redis = env.getOrDefault("WARD_REDIS_URL", "");
        if (redis.isBlank()) {
            say("Redis: not configured (sessions are kept in the database)");
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
            boolean reconciled = true;
            try (RedisConnection c = RedisConnection.open(endpoint)) {
                up = c.ping();
                eviction = up ? evictionPolicy(c) : null;
                reconciled = !up || reconciled(c);
            } catch (RuntimeException e) {
                up = false;
            }
            say("Redis: " + endpoint + " — " + (up ? "answers" : "DOES NOT ANSWER") + " (sessions and their attributes)");
            if (!reconciled) {
                say("Redis: restarted, restored from a snapshot, emptied or failed over since Ward last re-applied the "
                        + "recorded revocations to it; the first node to use it re-applies them before it trusts any session "
                        + "(docs/operations.md, Restoring Redis)");
            }
            storesOk &= up;
            if (eviction != null && !eviction.equals("noeviction")) {
                warn("Redis maxmemory-policy is " + eviction + ": Redis may evict Ward's keys before their time (a user's "
                        + "session index among them, weakening the concurrent-session limit); set it to noeviction");
            }
            if (!endpoint.tls() && !endpoint.loopbackOnly()) {
                warn("WARD_REDIS_URL reaches a host beyond this machine without TLS; use rediss:// or rediss-cluster://");
            }
        }

        checkAuditSyslog(config);
        checkAlertChannels(config);

        boolean exposed = !loopback(host);
        if (exposed && !config.cookieSecure()) {
            warn("listening on " + host + " without WARD_COOKIE_SECURE=true: session cookies are not marked Secure; "
                    + "serve Ward behind TLS and set it");
        }
        if (config.metricsToken().isEmpty() && config.production()) {
            warn("WARD_METRICS_TOKEN is not set: in production /metrics (every tenant's id and counts) is open to anyone who"
                    + " reaches Ward; set it and give Prometheus the token");
        } else if (config.metricsToken().isEmpty() && exposed) {
            warn("WARD_METRICS_TOKEN is not set: /metrics (every tenant's id and counts) is open to anyone who reaches " + host);
        }
        if (!config.detectors()) {
            warn("WARD_DETECTORS=off: this node raises no detector alerts (brute force, impossible travel, ...); make sure"
                    + " another node of the cluster runs with them on, or nothing is detected");
        }
        if (config.bootstrapAdminPassword().isPresent()) {
            warn("WARD_BOOTSTRAP_ADMIN_PASSWORD is still set; it is only needed for the first start — remove it");
        }
        if (config.loginLimits().perUsernamePerMinute() > 100) {
            warn("WARD_LOGIN_RATE_PER_USERNAME is " + config.loginLimits().perUsernamePerMinute() + "/min; above 100 weakens brute-force protection");
        }

        int exit = !storesOk || (strict && !warnings.isEmpty()) ? 1 : 0;
        if (output.json()) {
            Map<String, Object> answer = new java.util.LinkedHashMap<>();
            answer.put("ok", exit == 0);
            answer.put("stores_ok", storesOk);
            answer.put("checks", findings.stream().map(CheckCommand::finding).toList());
            answer.put("warnings", warnings);
            System.out.println(OutputFormat.json(answer));
        } else {
            System.out.println(warnings.isEmpty() ? "No warnings." : warnings.size() + " warning(s):");
            warnings.forEach(w -> System.out.println("  WARNING: " + w));
        }
        return exit;
    }

    /** A finding: printed at once for people (a slow store shows where it waits), kept for the JSON answer. */
    private void say(String line) {
        findings.add(line);
        if (!output.json()) {
            System.out.println(line);
        }
    }

    /** "Redis: host — answers" as {"check": "Redis", "result": "host — answers"}. */
    private static Map<String, String> finding(String line) {
        int colon = line.indexOf(": ");
        return colon < 0 ? Map.of("check", "", "result", line)
                : Map.of("check", line.substring(0, colon), "result", line.substring(colon + 2));
    }

    /** The database as it is: whether it answers, its schema, the master key and the tenants' policies. */
    private boolean checkDatabase(Config config) {
        Path dir = config.dataDir();
        if (!config.production()) {
            List<String> loose = DataDirectory.loose(dir);
            if (!loose.isEmpty()) {
                warn("other accounts can reach the data directory: " + String.join(", ", loose)
                        + "; ./ward serve makes it private (0700, files 0600)");
            }
        }
        String database = "Database: " + config.databaseDescription();
        SqlDatabase db;
        try {
            db = config.production() ? SqlDatabase.inspectPostgres(config.databaseUrl().orElseThrow())
                    : SqlDatabase.inspectEmbedded(dir, DataDirectory.existingDatabasePassword(dir));
        } catch (StoreUnavailableException e) {
            say(database + " — FAILS: " + ExistingData.explain(e, config));
            return false;
        } catch (IllegalStateException e) {
            say(database + " — FAILS: " + e.getMessage());
            return false;
        }
        say(database + " — answers");
        if (db.withoutPassword()) {
            warn("the embedded database has no password (it predates them); the next ./ward serve gives it one");
        }
        Optional<MasterKey> key = MasterKey.existing(config.masterKey(), dir);
        try (Ward.Core core = key.map(k -> Ward.Core.inspect(config, db, k, Clock.systemUTC())).orElse(null)) {
            List<String> pending = db.pendingMigrations();
            say("Schema: " + (pending.isEmpty() ? "current"
                    : pending.size() + " migration(s) pending (" + pending.stream().map(v -> "V" + v).collect(Collectors.joining(", "))
                    + "); ./ward serve applies them"));
            if (core == null) {
                say("Master key: MISSING — set WARD_MASTER_KEY, or restore " + dir.resolve(MasterKey.FILE_NAME)
                        + "; without it nothing sealed in the database opens");
                return false;
            }
            if (!pending.isEmpty()) {
                say("Master key: not checked until the schema is current");
                return true;
            }
            boolean keyOk = checkMasterKey(core);
            if (core.masterKey().source() == MasterKey.Source.DEV_KEY_FILE) {
                warn("the master key is the development key file " + dir.resolve(MasterKey.FILE_NAME)
                        + "; set WARD_MASTER_KEY for anything but development");
            }
            for (Tenant t : core.tenants().list(new dev.ward.access.Actor.Operator())) {
                checkPolicy(t, config);
            }
            return keyOk;
        } catch (StoreUnavailableException e) {
            say(database + " — STOPPED ANSWERING: " + ExistingData.explain(e, config));
            return false;
        } finally {
            db.close();
        }
    }

    private boolean checkMasterKey(Ward.Core core) {
        try {
            say("Master key: " + switch (core.keyCheck().verify(false)) {
                case MATCHES -> "matches the database (key check value)";
                case UNRECORDED -> "opens everything sealed in the database; ./ward serve records its check value";
                case RECORDED -> throw new IllegalStateException("a check records nothing");
            });
            return true;
        } catch (MasterKeyMismatchException e) {
            say("Master key: REFUSED — " + e.getMessage());
            return false;
        }
    }

    /** Recommended ranges (PRODUCT.md defaults, OWASP session guidance); values outside work but are flagged. */
    private void checkPolicy(Tenant t, Config config) {
        Policy p = t.policy();
        String where = "tenant " + t.id() + ": ";
        if (!p.allowedCountries().isEmpty() && config.geoipDb().isEmpty()) {
            warn(where + "geo.allowed_countries is set but WARD_GEOIP_DB is not: every login from a public address is refused");
        }
        if (!p.alertEmailRecipients().isEmpty() && config.smtp().isEmpty()) {
            warn(where + "alerts.email_recipients is set but WARD_SMTP_URL is not: alert e-mail waits in the outbox");
        }
        if (p.alertWebhookUrl().startsWith("http://")) {
            warn(where + "alerts.webhook_url is plain http: alerts cross the network unencrypted (signed, but readable)");
        }
        if (!p.alertWebhookUrl().isEmpty() && !new dev.ward.alert.WebhookPost(
                dev.ward.server.http.TrustedProxies.networks(config.webhookNetworks())).reaches(p.alertWebhookUrl())) {
            warn(where + "alerts.webhook_url does not resolve to a public address or one in WARD_ALERTS_WEBHOOK_NETWORKS:"
                    + " its alerts fail address_not_allowed");
        }
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
        if (p.patientDataPerMinute() < 10) {
            warn(where + "rate_limit.per_minute is " + p.patientDataPerMinute()
                    + "; under 10 refuses a clinician opening charts in quick succession");
        }
        if (p.perIpPerMinute() < 1000) {
            warn(where + "rate_limit.per_ip_per_minute is " + p.perIpPerMinute()
                    + "; under 1000 may refuse a clinic whose users share one NAT address");
        }
        if (p.perApiKeyPerMinute() < 60_000) {
            warn(where + "rate_limit.per_api_key_per_minute is " + p.perApiKeyPerMinute()
                    + "; under 60000 may refuse a back-end that validates every request of its users");
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
    private void checkAuditSyslog(Config config) {
        if (config.auditSyslog().isEmpty()) {
            say("Audit syslog (ATNA): not configured");
            return;
        }
        dev.ward.atna.SyslogTarget target = config.auditSyslog().get();
        java.util.Optional<String> problem = dev.ward.atna.AtnaForwarder.check(target, Duration.ofSeconds(5));
        say("Audit syslog (ATNA): " + target + " — " + problem.map(p -> "CANNOT CONNECT (" + p + ")").orElse("TLS connection accepted"));
        problem.ifPresent(p -> warn("the audit syslog receiver " + target + " cannot be reached over TLS (" + p
                + "); events wait in the outbox until it can"));
    }

    /**
     * Alert e-mail's server, the networks webhooks may reach, and the GeoIP file: what is configured, and whether the
     * file reads as a City database.
     */
    private void checkAlertChannels(Config config) {
        say("Alert e-mail (SMTP): " + config.smtp().map(Object::toString).orElse("not configured"));
        say("Alert webhooks reach: public addresses" + (config.webhookNetworks().isEmpty() ? " only"
                : " and " + String.join(", ", config.webhookNetworks())));
        if (config.geoipDb().isEmpty()) {
            say("Geolocation: off (WARD_GEOIP_DB is not set)");
            return;
        }
        try (dev.ward.server.geo.GeoIpFile file = dev.ward.server.geo.GeoIpFile.open(config.geoipDb().get())) {
            say("Geolocation: " + file.describe());
            if (!file.loaded()) {
                warn("WARD_GEOIP_DB " + config.geoipDb().get() + " cannot be used: logins and sessions show no location");
            }
        }
    }

    private void warn(String message) { warnings.add(message); }

    /**
     * Whether the Redis serving now is the one the recorded revocations were last re-applied to (decision 0014); a check
     * only looks, and never re-applies. True where it cannot tell (nothing to report then).
     */
    private static boolean reconciled(RedisConnection c) {
        try {
            return new dev.ward.store.redis.RedisSessionStore(c, dev.ward.server.Ward.REDIS_PREFIX).unreconciled().isEmpty();
        } catch (RuntimeException e) {
            return true;
        }
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
