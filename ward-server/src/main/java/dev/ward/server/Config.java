package dev.ward.server;

import dev.ward.auth.LoginLimits;
import dev.ward.user.PasswordHasher;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a Ward process is told from outside: command-line options and {@code WARD_*} environment
 * variables. Secrets (master key, bootstrap password) come only from the environment.
 */
public record Config(String host, int port, Path dataDir, Optional<String> masterKey,
                     Optional<String> bootstrapAdminPassword, boolean cookieSecure, LoginLimits loginLimits,
                     PasswordHasher.Params argon2, java.time.Duration cleanupInterval, Optional<String> databaseUrl,
                     Optional<String> redisUrl, Optional<String> publicUrl, List<String> trustedProxies,
                     java.time.Duration shutdownGrace, int hashingThreads, int hashingQueue, int redisMinReplicas,
                     Optional<dev.ward.atna.SyslogTarget> auditSyslog, Optional<dev.ward.server.mail.SmtpTarget> smtp,
                     Optional<Path> geoipDb, boolean detectors, List<String> webhookNetworks,
                     Optional<String> metricsToken) {

    public Config {
        trustedProxies = List.copyOf(trustedProxies);
        webhookNetworks = List.copyOf(webhookNetworks);
    }

    /** Production mode with the defaults for everything added since: no public URL, no proxies. */
    public Config(String host, int port, Path dataDir, Optional<String> masterKey, Optional<String> bootstrapAdminPassword,
                  boolean cookieSecure, LoginLimits loginLimits, PasswordHasher.Params argon2, java.time.Duration cleanupInterval,
                  Optional<String> databaseUrl, Optional<String> redisUrl) {
        this(host, port, dataDir, masterKey, bootstrapAdminPassword, cookieSecure, loginLimits, argon2, cleanupInterval,
                databaseUrl, redisUrl, Optional.empty(), List.of(), DEFAULT_SHUTDOWN_GRACE, DEFAULT_HASHING_THREADS,
                DEFAULT_HASHING_QUEUE, 0, Optional.empty(), Optional.empty(), Optional.empty(), true, List.of(), Optional.empty());
    }

    /** Embedded mode (no database URL). */
    public Config(String host, int port, Path dataDir, Optional<String> masterKey, Optional<String> bootstrapAdminPassword,
                  boolean cookieSecure, LoginLimits loginLimits, PasswordHasher.Params argon2, java.time.Duration cleanupInterval) {
        this(host, port, dataDir, masterKey, bootstrapAdminPassword, cookieSecure, loginLimits, argon2, cleanupInterval,
                Optional.empty());
    }

    /** Durable state in PostgreSQL, sessions in the database too. */
    public Config(String host, int port, Path dataDir, Optional<String> masterKey, Optional<String> bootstrapAdminPassword,
                  boolean cookieSecure, LoginLimits loginLimits, PasswordHasher.Params argon2, java.time.Duration cleanupInterval,
                  Optional<String> databaseUrl) {
        this(host, port, dataDir, masterKey, bootstrapAdminPassword, cookieSecure, loginLimits, argon2, cleanupInterval,
                databaseUrl, Optional.empty());
    }

    /** Production mode: durable state in PostgreSQL instead of the embedded H2 file. */
    public boolean production() { return databaseUrl.isPresent(); }

    /**
     * The database for messages, e.g. {@code PostgreSQL db.example:5432/ward}: hosts and database name only, never
     * the user information or parameters of the URL, which may carry a password.
     */
    public String databaseDescription() {
        if (databaseUrl.isEmpty()) {
            return "H2 " + dataDir.resolve("ward.mv.db");
        }
        String rest = databaseUrl.get().substring("jdbc:postgresql://".length());
        int end = rest.length();
        for (char c : new char[] {'/', '?', '#'}) {
            int i = rest.indexOf(c);
            end = i >= 0 ? Math.min(end, i) : end;
        }
        String hosts = rest.substring(0, end);
        hosts = hosts.substring(hosts.lastIndexOf('@') + 1);
        String database = "";
        if (end < rest.length() && rest.charAt(end) == '/') {
            database = rest.substring(end).split("[?#]", 2)[0];
        }
        return "PostgreSQL " + hosts + database;
    }

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    public static final String DEFAULT_DATA_DIR = "./ward-data";
    public static final java.time.Duration DEFAULT_SHUTDOWN_GRACE = java.time.Duration.ofSeconds(20);
    /** Password hashing runs on a bounded pool of about the core count (each Argon2id run holds 19 MiB). */
    public static final int DEFAULT_HASHING_THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());
    public static final int DEFAULT_HASHING_QUEUE = 4 * DEFAULT_HASHING_THREADS;

    /** An environment variable Ward reads: its name, what it is when unset, and what it sets. */
    public record Variable(String name, String unset, String meaning) {}

    /**
     * Every {@code WARD_*} variable that Ward (this class, the logging set-up) and the {@code ./ward} launcher read,
     * in the order {@code serve --help}, {@code check --help} and the README list them. A test fails when the
     * sources read a variable that is not here.
     */
    public static final List<Variable> VARIABLES = List.of(
            new Variable("WARD_CONFIG", "none", "a ward.yml with these settings (--config wins; the environment wins over the file; never secrets)"),
            new Variable("WARD_DATA_DIR", DEFAULT_DATA_DIR, "data directory of the embedded mode (--data-dir wins)"),
            new Variable("WARD_DATABASE_URL", "embedded H2", "jdbc:postgresql://host:5432/db?user=...: production mode"),
            new Variable("WARD_REDIS_URL", "sessions in the database",
                    "redis://, rediss://, redis-cluster://, rediss-cluster://; needs WARD_DATABASE_URL"),
            new Variable("WARD_REDIS_MIN_REPLICAS", "0", "Redis replicas a revocation waits for (WAIT)"),
            new Variable("WARD_MASTER_KEY", "a development key file", "base64 of 32 random bytes; required with WARD_DATABASE_URL"),
            new Variable("WARD_BOOTSTRAP_ADMIN_PASSWORD", "random, printed once", "password of system/admin on an empty database"),
            new Variable("WARD_PUBLIC_URL", "the request's Host", "Ward's public base URL: JWT issuer, its own browser origin"),
            new Variable("WARD_TRUSTED_PROXIES", "none", "comma-separated CIDRs whose X-Forwarded-For/-Proto are believed"),
            new Variable("WARD_COOKIE_SECURE", "false", "mark the session cookie Secure (TLS ends at a proxy)"),
            new Variable("WARD_LOGIN_RATE_PER_IP", String.valueOf(LoginLimits.DEFAULT.perIpPerMinute()), "logins per minute per client address"),
            new Variable("WARD_LOGIN_RATE_PER_USERNAME", String.valueOf(LoginLimits.DEFAULT.perUsernamePerMinute()),
                    "logins per minute per tenant and username"),
            new Variable("WARD_ARGON2_MEMORY_KIB", String.valueOf(PasswordHasher.Params.OWASP.memoryKib()),
                    "Argon2id memory per password hash (lower is refused)"),
            new Variable("WARD_ARGON2_ITERATIONS", String.valueOf(PasswordHasher.Params.OWASP.iterations()),
                    "Argon2id iterations (lower is refused)"),
            new Variable("WARD_HASHING_THREADS", "the number of cores", "threads that hash passwords"),
            new Variable("WARD_HASHING_QUEUE", "4 per hashing thread", "password hashes that may wait; more get 503 with Retry-After"),
            new Variable("WARD_CLEANUP_INTERVAL_SECONDS", "300", "how often ended sessions are removed"),
            new Variable("WARD_SHUTDOWN_NOTICE_SECONDS", "0",
                    "on SIGTERM, how long readiness says 503 while Ward still serves (a balancer's time to notice)"),
            new Variable("WARD_SHUTDOWN_GRACE_SECONDS", String.valueOf(DEFAULT_SHUTDOWN_GRACE.toSeconds()),
                    "then, how long requests in flight may take to finish"),
            new Variable("WARD_AUDIT_SYSLOG", "no copy", "tls://host:6514: every audit event also as RFC 5424 syslog over TLS (IHE ATNA)"),
            new Variable("WARD_AUDIT_SYSLOG_CA", "the JVM's trusted CAs", "the syslog receiver's CA (PEM text or file)"),
            new Variable("WARD_AUDIT_SYSLOG_CERT", "no client certificate", "Ward's certificate chain for mutual TLS (PEM text or file)"),
            new Variable("WARD_AUDIT_SYSLOG_KEY", "no client certificate", "its unencrypted PKCS#8 key (PEM text or file)"),
            new Variable("WARD_SMTP_URL", "no alert e-mail",
                    "smtp://user:password@host:587?from=ward@example.org (or smtps://): alert e-mail to alerts.email_recipients"),
            new Variable("WARD_ALERTS_WEBHOOK_NETWORKS", "public addresses only",
                    "comma-separated CIDRs of private networks alert webhooks may reach (e.g. the SIEM's subnet)"),
            new Variable("WARD_GEOIP_DB", "no locations", "a GeoIP2/GeoLite2 City .mmdb file: locations of logins and sessions"),
            new Variable("WARD_METRICS_TOKEN", "/metrics open (set it in production)", "a bearer token /metrics then wants (Prometheus: authorization credentials)"),
            new Variable("WARD_DETECTORS", "on", "off: this node runs no detector pass (others of the cluster do; alone: nothing is detected)"),
            new Variable("WARD_ACCESS_LOG_LEVEL", "INFO", "WARN silences the access log (one line per request)"),
            new Variable("WARD_LOG_LEVEL", "INFO", "the log's level: TRACE, DEBUG, INFO, WARN or ERROR"),
            new Variable("WARD_LOG_FORMAT", "text", "json: one JSON object a line, with the request id (mdc.request_id)"),
            new Variable("WARD_JAVA_OPTS", "none", "extra JVM options for the ./ward launcher, e.g. -Xmx1g"));

    /** The variables as help text, two short lines each: the name and its value when unset, then what it sets. */
    public static List<String> variablesHelp() {
        return VARIABLES.stream().flatMap(v -> java.util.stream.Stream.of("  " + v.name() + " (unset: " + v.unset() + ")",
                "      " + v.meaning())).toList();
    }

    /** Reads the environment; {@code host}, {@code port} and {@code dataDir} come from the command line. */
    public static Config fromEnvironment(Map<String, String> env, String host, int port, Path dataDir) {
        return new Config(host, port, dataDir,
                Optional.ofNullable(env.get("WARD_MASTER_KEY")),
                Optional.ofNullable(env.get("WARD_BOOTSTRAP_ADMIN_PASSWORD")),
                Boolean.parseBoolean(env.getOrDefault("WARD_COOKIE_SECURE", "false")),
                new LoginLimits(positive(env, "WARD_LOGIN_RATE_PER_IP", LoginLimits.DEFAULT.perIpPerMinute()),
                        positive(env, "WARD_LOGIN_RATE_PER_USERNAME", LoginLimits.DEFAULT.perUsernamePerMinute())),
                new PasswordHasher.Params(
                        (int) atLeast(env, "WARD_ARGON2_MEMORY_KIB", PasswordHasher.Params.OWASP.memoryKib(), 19 * 1024),
                        (int) atLeast(env, "WARD_ARGON2_ITERATIONS", PasswordHasher.Params.OWASP.iterations(), 2),
                        1),
                java.time.Duration.ofSeconds(positive(env, "WARD_CLEANUP_INTERVAL_SECONDS", 300)),
                databaseUrl(env), redisUrl(env), publicUrl(env), trustedProxies(env),
                java.time.Duration.ofSeconds(atLeast(env, "WARD_SHUTDOWN_GRACE_SECONDS", DEFAULT_SHUTDOWN_GRACE.toSeconds(), 0)),
                (int) positive(env, "WARD_HASHING_THREADS", DEFAULT_HASHING_THREADS),
                (int) atLeast(env, "WARD_HASHING_QUEUE", DEFAULT_HASHING_QUEUE, 0),
                (int) atLeast(env, "WARD_REDIS_MIN_REPLICAS", 0, 0),
                auditSyslog(env), smtp(env), geoipDb(env), detectors(env), webhookNetworks(env), secretOrEmpty(env, "WARD_METRICS_TOKEN"));
    }

    /**
     * {@code WARD_AUDIT_SYSLOG=tls://host:port}: every audit event is also sent to an ATNA audit record repository,
     * trusting {@code WARD_AUDIT_SYSLOG_CA} (else the JVM's CAs), presenting {@code WARD_AUDIT_SYSLOG_CERT} and
     * {@code _KEY} where the receiver wants mutual TLS. Checked here, so a typo stops the start.
     */
    private static Optional<dev.ward.atna.SyslogTarget> auditSyslog(Map<String, String> env) {
        String url = env.get("WARD_AUDIT_SYSLOG");
        if (url == null || url.isBlank()) {
            for (String dependent : List.of("WARD_AUDIT_SYSLOG_CA", "WARD_AUDIT_SYSLOG_CERT", "WARD_AUDIT_SYSLOG_KEY")) {
                if (!env.getOrDefault(dependent, "").isBlank()) {
                    throw new ConfigException(dependent + " is set but WARD_AUDIT_SYSLOG is not: nothing would be sent");
                }
            }
            return Optional.empty();
        }
        try {
            return Optional.of(dev.ward.atna.SyslogTarget.parse(url, env.get("WARD_AUDIT_SYSLOG_CA"),
                    env.get("WARD_AUDIT_SYSLOG_CERT"), env.get("WARD_AUDIT_SYSLOG_KEY")));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** {@code WARD_SMTP_URL}: where alert e-mail goes out. Checked here, so a typo stops the start. */
    private static Optional<dev.ward.server.mail.SmtpTarget> smtp(Map<String, String> env) {
        String url = env.get("WARD_SMTP_URL");
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(dev.ward.server.mail.SmtpTarget.parse(url));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /**
     * {@code WARD_ALERTS_WEBHOOK_NETWORKS}: the non-public networks (an in-house SIEM's) a tenant's webhook may reach;
     * unset, webhooks go to public addresses only. Checked here, so a typo stops the start.
     */
    private static List<String> webhookNetworks(Map<String, String> env) {
        List<String> entries = list(env, "WARD_ALERTS_WEBHOOK_NETWORKS");
        try {
            dev.ward.server.http.TrustedProxies.networks(entries);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("WARD_ALERTS_WEBHOOK_NETWORKS: " + e.getMessage());
        }
        return entries;
    }

    /** {@code WARD_GEOIP_DB}: a GeoIP2/GeoLite2 City file; unset, locations are off. */
    /**
     * {@code WARD_DETECTORS}: {@code on} (the default) or {@code off}, for a node that should leave the detectors'
     * background pass to the others of its cluster (they take turns under a lock anyway: decision 0026), or for a
     * benchmark of what they cost (bench/detect.sh). With every node off nothing is detected; {@code ward check} warns.
     */
    private static boolean detectors(Map<String, String> env) {
        String v = env.getOrDefault("WARD_DETECTORS", "on").strip();
        return switch (v) {
            case "on", "" -> true;
            case "off" -> false;
            default -> throw new ConfigException("WARD_DETECTORS must be on or off, got '" + v + "'");
        };
    }

    /** A secret from the environment (never logged, never in {@link #toString}); blank is unset. */
    private static Optional<String> secretOrEmpty(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.strip());
    }

    /** The same configuration with /metrics behind this bearer token (or open). */
    public Config withMetricsToken(Optional<String> token) {
        return new Config(host, port, dataDir, masterKey, bootstrapAdminPassword, cookieSecure, loginLimits, argon2, cleanupInterval,
                databaseUrl, redisUrl, publicUrl, trustedProxies, shutdownGrace, hashingThreads, hashingQueue, redisMinReplicas, auditSyslog,
                smtp, geoipDb, detectors, webhookNetworks, token);
    }

    /** The same configuration with the detectors' background pass on or off on this node. */
    public Config withDetectors(boolean on) {
        return new Config(host, port, dataDir, masterKey, bootstrapAdminPassword, cookieSecure, loginLimits, argon2, cleanupInterval,
                databaseUrl, redisUrl, publicUrl, trustedProxies, shutdownGrace, hashingThreads, hashingQueue, redisMinReplicas, auditSyslog,
                smtp, geoipDb, on, webhookNetworks, metricsToken);
    }

    private static Optional<Path> geoipDb(Map<String, String> env) {
        String file = env.get("WARD_GEOIP_DB");
        return file == null || file.isBlank() ? Optional.empty() : Optional.of(Path.of(file.strip()));
    }

    /**
     * How long {@code ward serve}, on SIGTERM, keeps serving with readiness at 503 before it refuses connections
     * ({@code WARD_SHUTDOWN_NOTICE_SECONDS}, default none): the time a load balancer needs to stop sending it work.
     */
    public static java.time.Duration shutdownNotice(Map<String, String> env) {
        return java.time.Duration.ofSeconds(atLeast(env, "WARD_SHUTDOWN_NOTICE_SECONDS", 0, 0));
    }

    /**
     * Sessions, their attributes and indexes go to Redis when {@code WARD_REDIS_URL} is set; it pairs with
     * PostgreSQL (several nodes share both), never with the embedded database of one node.
     */
    private static Optional<String> redisUrl(Map<String, String> env) {
        String url = env.get("WARD_REDIS_URL");
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        if (env.getOrDefault("WARD_DATABASE_URL", "").isBlank()) {
            throw new ConfigException("WARD_REDIS_URL needs WARD_DATABASE_URL: users, keys and the audit trail live in "
                    + "PostgreSQL, which every node shares; Redis holds only sessions");
        }
        try {
            dev.ward.store.redis.RedisEndpoint.parse(url.trim());
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            throw new ConfigException(m.startsWith("WARD_REDIS_URL") ? m : "WARD_REDIS_URL: " + m);
        }
        return Optional.of(url.trim());
    }

    private static Optional<String> databaseUrl(Map<String, String> env) {
        String url = env.get("WARD_DATABASE_URL");
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        if (!url.startsWith("jdbc:postgresql://")) {
            throw new ConfigException("WARD_DATABASE_URL must be a PostgreSQL JDBC URL such as "
                    + "jdbc:postgresql://127.0.0.1:5432/ward?user=postgres");
        }
        if (env.getOrDefault("WARD_MASTER_KEY", "").isBlank()) {
            // Every node must seal and open with the same key; a per-node development key file would make
            // one node's sealed data (attributes, signing keys) unreadable to the others.
            throw new ConfigException("WARD_MASTER_KEY is required when WARD_DATABASE_URL is set "
                    + "(base64 of 32 random bytes, the same on every node; e.g. openssl rand -base64 32)");
        }
        return Optional.of(url.trim());
    }

    /**
     * Ward's public base URL ({@code WARD_PUBLIC_URL}, e.g. {@code https://ward.example.org}): the issuer of its
     * JWTs and its own browser origin. Without it, the origin is what the request's Host header says.
     */
    private static Optional<String> publicUrl(Map<String, String> env) {
        String url = env.get("WARD_PUBLIC_URL");
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        url = url.strip();
        java.net.URI uri;
        try {
            uri = new java.net.URI(url);
        } catch (java.net.URISyntaxException e) {
            throw new ConfigException("WARD_PUBLIC_URL must be an http(s) URL such as https://ward.example.org, got '" + url + "'");
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("https") || uri.getScheme().equals("http"))
                || uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw new ConfigException("WARD_PUBLIC_URL must be an http(s) URL such as https://ward.example.org "
                    + "(no user, query or fragment), got '" + url + "'");
        }
        return Optional.of(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    }

    /** {@code WARD_TRUSTED_PROXIES}: checked here, so a typo stops the start instead of trusting nothing (or too much). */
    private static List<String> trustedProxies(Map<String, String> env) {
        List<String> entries = list(env, "WARD_TRUSTED_PROXIES");
        try {
            dev.ward.server.http.TrustedProxies.parse(entries);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("WARD_TRUSTED_PROXIES: " + e.getMessage());
        }
        return entries;
    }

    /** A comma-separated list, blanks dropped. */
    private static List<String> list(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return List.of();
        }
        return java.util.Arrays.stream(v.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList();
    }

    /** The data directory from {@code --data-dir}, else {@code WARD_DATA_DIR}, else {@code ./ward-data}. */
    public static Path dataDir(Path option, Map<String, String> env) {
        if (option != null) {
            return option;
        }
        return Path.of(env.getOrDefault("WARD_DATA_DIR", DEFAULT_DATA_DIR));
    }

    public Config withPort(int p) {
        return new Config(host, p, dataDir, masterKey, bootstrapAdminPassword, cookieSecure, loginLimits, argon2, cleanupInterval,
                databaseUrl, redisUrl, publicUrl, trustedProxies, shutdownGrace, hashingThreads, hashingQueue, redisMinReplicas, auditSyslog, smtp, geoipDb, detectors, webhookNetworks, metricsToken);
    }

    /** The same configuration with sessions in the database (for commands that check Redis on their own). */
    public Config withoutRedis() {
        return new Config(host, port, dataDir, masterKey, bootstrapAdminPassword, cookieSecure, loginLimits, argon2, cleanupInterval,
                databaseUrl, Optional.empty(), publicUrl, trustedProxies, shutdownGrace, hashingThreads, hashingQueue, redisMinReplicas, auditSyslog, smtp, geoipDb, detectors, webhookNetworks, metricsToken);
    }

    private static long positive(Map<String, String> env, String name, long fallback) {
        return atLeast(env, name, fallback, 1);
    }

    private static long atLeast(Map<String, String> env, String name, long fallback, long min) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n < min || n > Integer.MAX_VALUE) {
                throw new ConfigException(name + " must be an integer between " + min + " and " + Integer.MAX_VALUE + ", got '" + v + "'");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(name + " must be an integer, got '" + v + "'");
        }
    }

    /** The same configuration with these trusted proxies (CIDRs or addresses). */
    public Config withTrustedProxies(List<String> proxies) {
        return new Config(host, port, dataDir, masterKey, bootstrapAdminPassword, cookieSecure, loginLimits, argon2, cleanupInterval,
                databaseUrl, redisUrl, publicUrl, proxies, shutdownGrace, hashingThreads, hashingQueue, redisMinReplicas, auditSyslog, smtp, geoipDb, detectors, webhookNetworks, metricsToken);
    }

    /** The same configuration with this master key (base64), as from {@code WARD_MASTER_KEY}. */
    public Config withMasterKey(Optional<String> key) {
        return new Config(host, port, dataDir, key, bootstrapAdminPassword, cookieSecure, loginLimits, argon2, cleanupInterval,
                databaseUrl, redisUrl, publicUrl, trustedProxies, shutdownGrace, hashingThreads, hashingQueue, redisMinReplicas, auditSyslog, smtp, geoipDb, detectors, webhookNetworks, metricsToken);
    }

    /** The same configuration with this public URL. */
    public Config withPublicUrl(Optional<String> url) {
        return new Config(host, port, dataDir, masterKey, bootstrapAdminPassword, cookieSecure, loginLimits, argon2, cleanupInterval,
                databaseUrl, redisUrl, url, trustedProxies, shutdownGrace, hashingThreads, hashingQueue, redisMinReplicas, auditSyslog, smtp, geoipDb, detectors, webhookNetworks, metricsToken);
    }

    /** The same configuration with this password-hashing pool. */
    public Config withHashing(int threads, int queue) {
        return new Config(host, port, dataDir, masterKey, bootstrapAdminPassword, cookieSecure, loginLimits, argon2, cleanupInterval,
                databaseUrl, redisUrl, publicUrl, trustedProxies, shutdownGrace, threads, queue, redisMinReplicas, auditSyslog, smtp, geoipDb, detectors, webhookNetworks, metricsToken);
    }

    /** The same configuration with this many Redis replicas to WAIT for after a revocation. */
    public Config withRedisMinReplicas(int replicas) {
        return new Config(host, port, dataDir, masterKey, bootstrapAdminPassword, cookieSecure, loginLimits, argon2, cleanupInterval,
                databaseUrl, redisUrl, publicUrl, trustedProxies, shutdownGrace, hashingThreads, hashingQueue, replicas, auditSyslog, smtp, geoipDb, detectors, webhookNetworks, metricsToken);
    }

    /** The same configuration forwarding the audit trail to this syslog receiver. */
    public Config withAuditSyslog(Optional<dev.ward.atna.SyslogTarget> target) {
        return new Config(host, port, dataDir, masterKey, bootstrapAdminPassword, cookieSecure, loginLimits, argon2, cleanupInterval,
                databaseUrl, redisUrl, publicUrl, trustedProxies, shutdownGrace, hashingThreads, hashingQueue, redisMinReplicas, target, smtp, geoipDb, detectors, webhookNetworks, metricsToken);
    }

    /** The same configuration sending alert e-mail through this SMTP server. */
    public Config withSmtp(Optional<dev.ward.server.mail.SmtpTarget> target) {
        return new Config(host, port, dataDir, masterKey, bootstrapAdminPassword, cookieSecure, loginLimits, argon2, cleanupInterval,
                databaseUrl, redisUrl, publicUrl, trustedProxies, shutdownGrace, hashingThreads, hashingQueue, redisMinReplicas, auditSyslog,
                target, geoipDb, detectors, webhookNetworks, metricsToken);
    }

    /** The same configuration locating addresses with this GeoIP2/GeoLite2 City file. */
    public Config withGeoipDb(Optional<Path> file) {
        return new Config(host, port, dataDir, masterKey, bootstrapAdminPassword, cookieSecure, loginLimits, argon2, cleanupInterval,
                databaseUrl, redisUrl, publicUrl, trustedProxies, shutdownGrace, hashingThreads, hashingQueue, redisMinReplicas, auditSyslog,
                smtp, file, detectors, webhookNetworks, metricsToken);
    }

    /** The same configuration letting webhooks reach these networks although they are not public. */
    public Config withWebhookNetworks(List<String> networks) {
        return new Config(host, port, dataDir, masterKey, bootstrapAdminPassword, cookieSecure, loginLimits, argon2, cleanupInterval,
                databaseUrl, redisUrl, publicUrl, trustedProxies, shutdownGrace, hashingThreads, hashingQueue, redisMinReplicas, auditSyslog,
                smtp, geoipDb, detectors, networks, metricsToken);
    }

    /** The same configuration with this shutdown grace. */
    public Config withShutdownGrace(java.time.Duration grace) {
        return new Config(host, port, dataDir, masterKey, bootstrapAdminPassword, cookieSecure, loginLimits, argon2, cleanupInterval,
                databaseUrl, redisUrl, publicUrl, trustedProxies, grace, hashingThreads, hashingQueue, redisMinReplicas, auditSyslog, smtp, geoipDb, detectors, webhookNetworks, metricsToken);
    }

    @Override
    public String toString() {
        return "Config[host=" + host + ", port=" + port + ", dataDir=" + dataDir
                + ", database=" + (databaseUrl.isPresent() ? "postgresql" : "embedded")
                + ", sessions=" + redisUrl.map(u -> "redis " + dev.ward.store.redis.RedisEndpoint.parse(u)).orElse("database")
                + ", masterKey="
                + (masterKey.isPresent() ? "<from environment>" : "<dev key file>")
                + ", auditSyslog=" + auditSyslog.map(Object::toString).orElse("off")
                + ", smtp=" + smtp.map(Object::toString).orElse("off")
                + ", geoipDb=" + geoipDb.map(Object::toString).orElse("off") + ", detectors=" + (detectors ? "on" : "off") + "]";
    }

    /** A configuration mistake the operator must fix; its message is shown as is. */
    public static final class ConfigException extends RuntimeException {
        public ConfigException(String message) { super(message); }
    }
}
