package dev.ward.server;

import dev.ward.access.AdminGuard;
import dev.ward.apikey.ApiKeyService;
import dev.ward.atna.AtnaForwarder;
import dev.ward.audit.AppEvents;
import dev.ward.audit.AuditCheckpoints;
import dev.ward.audit.AuditRetention;
import dev.ward.audit.AuditSearch;
import dev.ward.audit.AuditTrail;
import dev.ward.audit.AuditVerifier;
import dev.ward.audit.CheckpointKeys;
import dev.ward.auth.LoginService;
import dev.ward.auth.RateLimiter;
import dev.ward.ratelimit.RequestLimits;
import dev.ward.bootstrap.Bootstrap;
import dev.ward.crypto.CryptoService;
import dev.ward.crypto.CryptoUsage;
import dev.ward.crypto.MasterKey;
import dev.ward.crypto.MasterKeyCheck;
import dev.ward.crypto.MasterKeyCipher;
import dev.ward.crypto.Resealable;
import dev.ward.crypto.SealedPolicySecrets;
import dev.ward.crypto.TenantKeys;
import dev.ward.fhir.NodeName;
import dev.ward.jwt.SessionJwt;
import dev.ward.mfa.MfaService;
import dev.ward.server.http.HttpApi;
import dev.ward.server.geo.GeoIpFile;
import dev.ward.server.mail.MailChannel;
import dev.ward.geo.Geolocation;
import dev.ward.server.http.RouteTable;
import dev.ward.server.http.TrustedProxies;
import dev.ward.alert.AlertDelivery;
import dev.ward.detect.Detectors;
import dev.ward.user.AccountLockout;
import dev.ward.alert.Alerts;
import dev.ward.alert.WebhookChannel;
import dev.ward.alert.WebhookPost;
import dev.ward.patient.PatientAccess;
import dev.ward.patient.PatientContexts;
import dev.ward.patient.PatientStore;
import dev.ward.session.CleanupCriteria;
import dev.ward.session.SessionAttributes;
import dev.ward.session.SessionCleanup;
import dev.ward.session.RefusedChanges;
import dev.ward.session.SessionRevocations;
import dev.ward.session.SessionService;
import dev.ward.store.sql.SqlApiKeyStore;
import dev.ward.session.AttributeStore;
import dev.ward.session.SessionStore;
import dev.ward.store.redis.RedisAttributeStore;
import dev.ward.store.redis.RedisConnection;
import dev.ward.store.redis.RedisEndpoint;
import dev.ward.store.redis.RedisRateLimiter;
import dev.ward.store.redis.RedisRefusedChanges;
import dev.ward.store.redis.RedisPatientStore;
import dev.ward.store.redis.RedisSessionStore;
import dev.ward.store.sql.SqlAttributeStore;
import dev.ward.store.sql.SqlAuditChainStore;
import dev.ward.store.sql.SqlCheckpointKeyStore;
import dev.ward.store.sql.SqlAuditFeed;
import dev.ward.store.sql.SqlAuditReader;
import dev.ward.store.sql.SqlAuditStore;
import dev.ward.store.sql.SqlDatabase;
import dev.ward.store.sql.SqlDeliveryOutbox;
import dev.ward.store.sql.SqlInvalidations;
import dev.ward.store.sql.SqlKeyCheckStore;
import dev.ward.store.sql.SqlForwardingOutbox;
import dev.ward.store.sql.SqlDetectionStore;
import dev.ward.store.sql.SqlKeyStore;
import dev.ward.store.sql.SqlLockoutStore;
import dev.ward.store.sql.SqlLoginAttemptStore;
import dev.ward.store.sql.SqlMfaChallengeStore;
import dev.ward.store.sql.SqlMfaStore;
import dev.ward.store.sql.SqlSessionIntents;
import dev.ward.store.sql.SqlAlertStore;
import dev.ward.store.sql.SqlPatientStore;
import dev.ward.store.sql.SqlRestrictionStore;
import dev.ward.store.sql.SqlSessionRevocations;
import dev.ward.store.sql.SqlSessionStore;
import dev.ward.store.sql.SqlSigningKeyStore;
import dev.ward.store.sql.SqlTenantStore;
import dev.ward.store.sql.SqlUserStore;
import dev.ward.tenant.TenantService;
import dev.ward.user.HashingPool;
import dev.ward.user.PasswordHasher;
import dev.ward.user.PasswordRules;
import dev.ward.user.UserService;
import io.javalin.Javalin;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import dev.ward.server.metrics.WardMetrics;
import dev.ward.tenant.Tenant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place where Ward is wired together: stores, services, HTTP, the cleanup schedule. */
public final class Ward implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Ward.class);
    /** The Redis key namespace of Ward's sessions (docs/operations.md lists the keys). */
    public static final String REDIS_PREFIX = "ward:";

    /**
     * Stores and services, for the server and for CLI commands alike: one database (embedded H2 or
     * PostgreSQL) and, in production mode with {@code WARD_REDIS_URL}, Redis for sessions and attributes.
     */
    public record Core(SqlDatabase db, SqlInvalidations invalidations, Optional<RedisConnection> redis, MasterKey masterKey,
                       MasterKeyCheck keyCheck,
                       AuditTrail audit, TenantService tenants, UserService users,
                       ApiKeyService apiKeys, LoginService login, SessionService sessions, SessionAttributes attributes,
                       SessionJwt jwt, SessionCleanup cleanup, MfaService mfa, TenantKeys keys, CryptoUsage cryptoUsage,
                       CryptoService crypto, PasswordHasher hasher, AppEvents appEvents, CheckpointKeys checkpointKeys,
                       AuditVerifier auditVerifier, AuditCheckpoints auditCheckpoints, AuditRetention auditRetention,
                       AuditSearch auditSearch, PatientContexts patients, PatientAccess patientAccess, Alerts alerts,
                       dev.ward.user.UserAttributes userAttributes, Geolocation geo, RequestLimits limits,
                       dev.ward.report.ComplianceEvidence compliance)
            implements AutoCloseable {

        /**
         * Opens the stores (creating and migrating the database as needed) for a server or a CLI command, and
         * refuses a master key the database's data is not sealed under.
         */
        public static Core open(Config config, Clock clock) {
            MasterKey masterKey;
            SqlDatabase db;
            if (config.production()) {
                masterKey = MasterKey.load(config.masterKey(), config.dataDir());
                db = SqlDatabase.postgres(config.databaseUrl().orElseThrow());
            } else {
                DataDirectory.secure(config.dataDir());
                masterKey = MasterKey.load(config.masterKey(), config.dataDir());
                db = SqlDatabase.embedded(config.dataDir(), DataDirectory.databasePassword(config.dataDir()));
                DataDirectory.tighten(config.dataDir());
            }
            Optional<RedisConnection> redis = Optional.empty();
            Core core;
            try {
                redis = config.redisUrl().map(url -> RedisConnection.open(RedisEndpoint.parse(url)));
                core = assemble(config, db, redis, masterKey, clock);
            } catch (RuntimeException e) {
                redis.ifPresent(RedisConnection::close);
                db.close();
                throw e;
            }
            try {
                core.keyCheck().verify(true);
                return core;
            } catch (RuntimeException e) {
                core.close();
                throw e;
            }
        }

        /**
         * Stores and services over a database opened as it is, sessions in that database too, for {@code ward check}:
         * nothing is created, migrated or recorded.
         */
        public static Core inspect(Config config, SqlDatabase db, MasterKey masterKey, Clock clock) {
            return assemble(config, db, Optional.empty(), masterKey, clock);
        }

        private static Core assemble(Config config, SqlDatabase db, Optional<RedisConnection> redis, MasterKey masterKey, Clock clock) {
            SessionStore sessionStore;
            AttributeStore attributeStore;
            PatientStore patientStore;
            if (redis.isPresent()) {
                RedisSessionStore onRedis = new RedisSessionStore(redis.get(), REDIS_PREFIX, config.redisMinReplicas(), clock);
                sessionStore = onRedis;
                attributeStore = new RedisAttributeStore(redis.get(), onRedis, REDIS_PREFIX);
                patientStore = new RedisPatientStore(redis.get(), onRedis, REDIS_PREFIX);
            } else {
                sessionStore = new SqlSessionStore(db);
                attributeStore = new SqlAttributeStore(db);
                patientStore = new SqlPatientStore(db);
            }
            PasswordHasher hasher = new PasswordHasher(config.argon2(), new HashingPool(config.hashingThreads(), config.hashingQueue()));
            SqlInvalidations invalidations = SqlInvalidations.of(db);
            try {
                MasterKeyCipher masterCipher = new MasterKeyCipher(masterKey);
                AuditTrail audit = new AuditTrail(new SqlAuditStore(db), db::atomically, clock);
                AdminGuard guard = new AdminGuard(audit);
                TenantService tenants = new TenantService(new SqlTenantStore(db), new SealedPolicySecrets(masterCipher), guard, audit,
                        invalidations, clock);
                SqlSessionIntents intents = new SqlSessionIntents(db);
                SessionRevocations revocations = redis.isPresent() ? new SqlSessionRevocations(db) : SessionRevocations.NONE;
                RefusedChanges refusals = redis.<RefusedChanges>map(r -> new RedisRefusedChanges(r, REDIS_PREFIX))
                        .orElse(RefusedChanges.NONE);
                SessionService sessions = new SessionService(sessionStore, intents, revocations, refusals, tenants, guard, audit, clock);
                SqlUserStore userStore = new SqlUserStore(db);
                SqlLockoutStore lockouts = new SqlLockoutStore(db);
                SqlMfaChallengeStore challenges = new SqlMfaChallengeStore(db);
                UserService users = new UserService(userStore, lockouts, challenges, tenants, sessions, hasher,
                        PasswordRules.withShippedCommonList(), guard, audit, clock);
                ApiKeyService apiKeys = new ApiKeyService(new SqlApiKeyStore(db), tenants, guard, audit, invalidations, clock);
                TenantKeys keys = new TenantKeys(new SqlKeyStore(db), masterCipher, tenants, guard, audit, invalidations, clock);
                MfaService mfa = new MfaService(new SqlMfaStore(db), keys, tenants, userStore, lockouts, challenges, hasher,
                        sessions, guard, audit, clock);
                // With Redis, rate limits (login and requests) are counted once for all nodes; otherwise per process.
                RateLimiter limiter = redis.<RateLimiter>map(r -> new RedisRateLimiter(r, REDIS_PREFIX, clock))
                        .orElseGet(() -> new LocalRateLimiter(clock));
                Geolocation geo = config.geoipDb().<Geolocation>map(GeoIpFile::open).orElse(Geolocation.OFF);
                LoginService login = new LoginService(tenants, userStore, lockouts, new SqlLoginAttemptStore(db),
                        limiter, config.loginLimits(), hasher, sessions, mfa, challenges, geo,
                        guard, audit, clock);
                CryptoUsage cryptoUsage = new CryptoUsage(audit, clock);
                CryptoService crypto = new CryptoService(keys, cryptoUsage, clock);
                SessionAttributes attributes = new SessionAttributes(attributeStore, keys, clock);
                keys.register(attributes);
                keys.register(mfa);
                dev.ward.user.UserAttributes userAttributes = new dev.ward.user.UserAttributes(
                        new dev.ward.store.sql.SqlUserAttributeStore(db), keys, clock);
                keys.register(userAttributes);
                SessionJwt jwt = new SessionJwt(new SqlSigningKeyStore(db), masterCipher, tenants, guard, audit, clock);
                SessionCleanup cleanup = new SessionCleanup(sessionStore, intents, revocations, audit, clock);
                SqlAuditChainStore chain = new SqlAuditChainStore(db);
                CheckpointKeys checkpointKeys = new CheckpointKeys(new SqlCheckpointKeyStore(db), masterCipher, guard, audit, clock);
                SqlAlertStore alertStore = new SqlAlertStore(db);
                SqlDeliveryOutbox outbox = new SqlDeliveryOutbox(db);
                Alerts alerts = new Alerts(alertStore, new AlertDelivery(outbox, alertStore, tenants,
                        List.of(new WebhookChannel(tenants,
                                new WebhookPost(TrustedProxies.networks(config.webhookNetworks())), clock), new MailChannel(config.smtp(), config.publicUrl())), clock, NODE),
                        outbox, guard, audit, clock);
                PatientAccess patientAccess = new PatientAccess(new SqlRestrictionStore(db), userStore, alerts, guard, audit, clock);
                PatientContexts patients = new PatientContexts(patientStore, sessionStore, sessions, patientAccess, tenants, keys,
                        audit, clock);
                cleanup.clearsWith(patients);
                AuditVerifier auditVerifier = new AuditVerifier(chain, checkpointKeys, tenants, guard, audit);
                AuditCheckpoints auditCheckpoints = new AuditCheckpoints(chain, checkpointKeys, tenants, guard, audit, clock);
                AuditSearch auditSearch = new AuditSearch(new SqlAuditReader(db), guard, tenants, audit, userStore, geo, clock);
                dev.ward.report.ComplianceEvidence compliance = new dev.ward.report.ComplianceEvidence(tenants, users, apiKeys,
                        auditSearch, auditVerifier, auditCheckpoints, checkpointKeys, keys, jwt, patientAccess,
                        deployment(config, masterKey), clock);
                MasterKeyCheck keyCheck = new MasterKeyCheck(new SqlKeyCheckStore(db), masterCipher, describe(masterKey, config),
                        List.of(keys::versionsNotOpening, jwt::keysNotOpening, checkpointKeys::keysNotOpening), clock);
                return new Core(db, invalidations, redis, masterKey, keyCheck, audit, tenants, users, apiKeys, login, sessions, attributes, jwt,
                        cleanup, mfa, keys, cryptoUsage, crypto, hasher, new AppEvents(userStore, audit), checkpointKeys,
                        auditVerifier, auditCheckpoints, new AuditRetention(chain, checkpointKeys, tenants, audit, clock),
                        auditSearch, patients, patientAccess, alerts, userAttributes,
                        geo, new RequestLimits(limiter, redis.isPresent() ? new LocalRateLimiter(clock) : limiter, tenants),
                        compliance);
            } catch (RuntimeException e) {
                invalidations.close();
                hasher.close();
                throw e;
            }
        }

        /**
         * What a compliance report can say of this deployment (its transmission security row): from this process's
         * settings, never a secret — the database URL only for its {@code sslmode}.
         */
        private static dev.ward.report.ComplianceReport.Deployment deployment(Config config, MasterKey key) {
            String database = "embedded";
            if (config.databaseUrl().isPresent()) {
                Map<String, String> params = new java.util.HashMap<>();
                String url = config.databaseUrl().get();
                int query = url.indexOf('?');
                if (query >= 0) {
                    for (String pair : url.substring(query + 1).split("&")) {
                        int eq = pair.indexOf('=');
                        if (eq > 0) {
                            params.put(pair.substring(0, eq).toLowerCase(java.util.Locale.ROOT), pair.substring(eq + 1));
                        }
                    }
                }
                // PostgreSQL JDBC: ssl=true without an sslmode means verify-full; without either, TLS is not required.
                String mode = params.getOrDefault("sslmode", "true".equalsIgnoreCase(params.get("ssl")) ? "verify-full" : "prefer");
                database = switch (mode) {
                    case "verify-full" -> "tls_verify_full";
                    case "verify-ca" -> "tls_verify_ca";
                    case "require" -> "tls_required";
                    default -> "tls_not_required";
                };
            }
            String redisLink = config.redisUrl().map(u -> u.startsWith("rediss://") || u.startsWith("rediss-cluster://")
                    ? "tls" : "plain").orElse("none");
            return new dev.ward.report.ComplianceReport.Deployment(config.production(),
                    key.source() == MasterKey.Source.ENVIRONMENT, database, redisLink, config.publicUrl(), config.cookieSecure(),
                    config.trustedProxies().size(), config.auditSyslog().isPresent());
        }

        /** How the operator knows the master key in use, for messages. */
        private static String describe(MasterKey key, Config config) {
            return key.source() == MasterKey.Source.ENVIRONMENT ? "WARD_MASTER_KEY"
                    : "The master key file " + config.dataDir().resolve(MasterKey.FILE_NAME);
        }

        /** Each store and whether it answers now: what {@code /health/ready} and {@code ward check} report. */
        public Map<String, Boolean> readiness() {
            Map<String, Boolean> checks = new LinkedHashMap<>();
            readinessChecks().forEach((name, check) -> checks.put(name, check.getAsBoolean()));
            return checks;
        }

        /** The checks of {@link #readiness()}, each to run on its own (the server bounds them: {@link Readiness}). */
        Map<String, java.util.function.BooleanSupplier> readinessChecks() {
            Map<String, java.util.function.BooleanSupplier> checks = new LinkedHashMap<>();
            checks.put("database", db::ping);
            redis.ifPresent(r -> checks.put("redis", r::ping));
            checks.put("master_key", keyCheck::holds);
            return checks;
        }

        /** Everything Ward seals with tenant keys, for {@code keys rewrap}. */
        public List<Resealable> resealables() { return keys.sealedKinds(); }

        @Override
        public void close() {
            try {
                invalidations.close();
                hasher.close();
                redis.ifPresent(RedisConnection::close);
            } finally {
                db.close();
            }
        }
    }

    /** What {@code serve --cleanup-on-start} removes before listening. */
    public record StartupCleanup(CleanupCriteria criteria) {}

    private final Core core;
    private final Javalin http;
    private final RouteTable routes;
    private final ScheduledExecutorService scheduler;
    private final Duration grace;
    private final AtomicBoolean stopping;
    private final Optional<AtnaForwarder> atna;
    private final Readiness readiness;
    /** Alert deliveries run on a thread of their own: a slow receiver delays them, never a sweep or a request. */
    private final ScheduledExecutorService alertSender;
    private final Detectors detectors;

    private Ward(Core core, Javalin http, RouteTable routes, ScheduledExecutorService scheduler, Duration grace,
                 AtomicBoolean stopping, Optional<AtnaForwarder> atna, Readiness readiness, ScheduledExecutorService alertSender,
                 Detectors detectors) {
        this.detectors = detectors;
        this.readiness = readiness;
        this.alertSender = alertSender;
        this.core = core;
        this.grace = grace;
        this.stopping = stopping;
        this.http = http;
        this.routes = routes;
        this.scheduler = scheduler;
        this.atna = atna;
    }

    public static Ward start(Config config, Clock clock, PrintStream console) {
        return start(config, clock, console, Optional.empty());
    }

    /** Starts a server; {@code console} receives the one-time bootstrap password and the listening line. */
    public static Ward start(Config config, Clock clock, PrintStream console, Optional<StartupCleanup> startupCleanup) {
        Core core = Core.open(config, clock);
        try {
            // Caches serve only once listening; a CLI command on the same data that does not listen always reads the store.
            core.invalidations().listen();
            switch (new Bootstrap(core.tenants(), core.users()).run(config.bootstrapAdminPassword())) {
                case Bootstrap.Outcome.CreatedWithGeneratedPassword generated -> {
                    console.println("================================================================");
                    console.println(" Ward bootstrap: created tenant 'system' and user 'admin'.");
                    console.println(" Initial admin password (shown once, change it): " + generated.password());
                    console.println("================================================================");
                }
                case Bootstrap.Outcome.CreatedWithGivenPassword given ->
                        console.println("Ward bootstrap: created tenant 'system' and user 'admin' with WARD_BOOTSTRAP_ADMIN_PASSWORD.");
                case Bootstrap.Outcome.AlreadyDone done -> { }
            }
            startupCleanup.ifPresent(c -> {
                console.println("Cleanup on start: removed " + core.cleanup().run(c.criteria(), "operator", n -> { })
                        + " session(s).");
                // Patient contexts of the sessions removed went with them; those past their own time go now.
                console.println("Cleanup on start: removed " + core.patients().sweep("startup", "operator")
                        + " expired patient context(s).");
            });
            if (core.redis().isPresent()) {
                // Sessions live in Redis now; any left in the database are from before and must never come back
                // (they would, were Redis switched off again), so they end here, audited.
                long stale = new SessionCleanup(new SqlSessionStore(core.db()), new SqlSessionIntents(core.db()),
                        SessionRevocations.NONE, core.audit(), clock)
                        .run(new CleanupCriteria(CleanupCriteria.Selection.ALL, null, null), "system", n -> { });
                if (stale > 0) {
                    console.println("Sessions are kept in Redis: removed " + stale + " session(s) left in the database.");
                }
            }

            AtomicBoolean stopping = new AtomicBoolean();
            Readiness readiness = new Readiness(core.readinessChecks());
            WardMetrics metrics = new WardMetrics(new WardMetrics.Population() {
                @Override
                public Optional<Map<String, Long>> liveSessions(Set<String> tenants) { return core.sessions().liveCounts(tenants); }

                @Override
                public Optional<Map<String, Long>> livePatientContexts() { return core.patients().liveCounts(); }
            }, () -> core.tenants().all().stream().map(Tenant::id).collect(Collectors.toCollection(java.util.TreeSet::new)),
                    () -> readiness(readiness, stopping), core.limits());
            core.audit().listen(metrics);
            HttpApi api = new HttpApi(new HttpApi.Services(core.tenants(), core.users(), core.apiKeys(), core.login(),
                    core.sessions(), core.attributes(), core.jwt(), core.mfa(), core.keys(), core.crypto(), core.appEvents(),
                    core.auditVerifier(), core.auditCheckpoints(), core.checkpointKeys(), core.auditSearch(),
                    core.patients(), core.patientAccess(), core.alerts(), core.userAttributes(),
                    () -> readiness(readiness, stopping), core.geo(), core.limits(), metrics, core.compliance()),
                    new HttpApi.Settings(config.cookieSecure(), TrustedProxies.parse(config.trustedProxies()), config.publicUrl(),
                            config.metricsToken()));
            Javalin app = api.create();
            // Graceful stop: Jetty stops accepting connections and waits, up to the grace, for the open ones to finish
            // the requests they carry (idle ones close after a second); readiness says 503 meanwhile.
            app.jettyServer().server().setStopTimeout(config.shutdownGrace().toMillis());
            app.start(config.host(), config.port());
            metrics.bindJetty(app.jettyServer().server());
            ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "ward-scheduler");
                t.setDaemon(true);
                return t;
            });
            long every = config.cleanupInterval().toSeconds();
            scheduler.scheduleWithFixedDelay(() -> sweep(core), every, every, TimeUnit.SECONDS);
            scheduler.scheduleWithFixedDelay(() -> keyChores(core), KEY_CHORES_SECONDS, KEY_CHORES_SECONDS, TimeUnit.SECONDS);
            if (core.geo() instanceof GeoIpFile file) {
                // A new edition of the file (the usual weekly update) is taken up within this many seconds, no restart.
                scheduler.scheduleWithFixedDelay(file::refresh, GEOIP_CHECK_SECONDS, GEOIP_CHECK_SECONDS, TimeUnit.SECONDS);
            } else {
                log.info("geolocation is off: WARD_GEOIP_DB is not set (logins and sessions show no location)");
            }
            // Each tenant's chain head is signed every audit.checkpoint_seconds of its policy (at least 10) when it moved.
            scheduler.scheduleWithFixedDelay(() -> checkpoints(core), CHECKPOINT_TICK_SECONDS, CHECKPOINT_TICK_SECONDS, TimeUnit.SECONDS);
            if (core.redis().isPresent()) {
                // Session changes interrupted between Redis and the database (by this node or one that died) are
                // finished or undone here; the first run also takes over what a previous run of this node left.
                scheduler.scheduleWithFixedDelay(() -> repairSessions(core), 0, REPAIR_SECONDS, TimeUnit.SECONDS);
            }
            // The syslog copy runs beside the server, never in its way: readiness does not depend on the receiver.
            Optional<AtnaForwarder> atna = config.auditSyslog().map(target -> AtnaForwarder.start(target,
                    new SqlAuditFeed(core.db()), new SqlForwardingOutbox(core.db(), clock), NodeName.local(),
                    AtnaForwarder.DEFAULTS));
            ScheduledExecutorService alertSender = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "ward-alerts");
                t.setDaemon(true);
                return t;
            });
            alertSender.scheduleWithFixedDelay(() -> deliverAlerts(core), ALERT_POLL_SECONDS, ALERT_POLL_SECONDS, TimeUnit.SECONDS);
            // The detectors read the trail after the fact on the same thread (decision 0026): nothing in a login's way.
            Detectors detectors = new Detectors(new SqlAuditFeed(core.db()), SqlForwardingOutbox.forDetectors(core.db(), clock),
                    new SqlDetectionStore(core.db()), core.tenants(), core.alerts(),
                    new AccountLockout(new SqlLockoutStore(core.db()), new SqlMfaChallengeStore(core.db()), core.audit(), clock),
                    core.sessions(), core.audit(), clock);
            if (config.detectors()) {
                alertSender.scheduleWithFixedDelay(() -> detect(detectors), DETECT_POLL_SECONDS, DETECT_POLL_SECONDS, TimeUnit.SECONDS);
            } else {
                log.warn("detectors are off on this node (WARD_DETECTORS=off): it raises no detector alerts; other nodes of the"
                        + " cluster that have them on look at every tenant's events");
            }
            console.println("Ward listening on http://" + config.host() + ":" + app.port());
            return new Ward(core, app, api.routes(), scheduler, config.shutdownGrace(), stopping, atna, readiness, alertSender,
                    detectors);
        } catch (RuntimeException e) {
            core.close();
            throw e;
        }
    }

    /**
     * The stores' readiness, each answered within {@link Readiness#DEADLINE}, and {@code "server": down} once the server
     * is stopping, so balancers move on.
     */
    private static Map<String, Boolean> readiness(Readiness readiness, AtomicBoolean stopping) {
        Map<String, Boolean> checks = readiness.check();
        if (stopping.get()) {
            checks.put("server", false);
        }
        return checks;
    }

    /** How often interrupted session changes are looked for (they are repaired once SessionService.REPAIR_AFTER old). */
    static final long REPAIR_SECONDS = 5;
    /** This process, as it claims interrupted session changes to repair. */
    private static final String NODE = NodeName.local() + ":" + ProcessHandle.current().pid() + ":"
            + java.util.UUID.randomUUID().toString().substring(0, 8);

    private static void repairSessions(Core core) {
        try {
            int n = core.sessions().repairInterrupted(NODE);
            if (n > 0) {
                log.warn("repaired {} interrupted session change(s)", n);
            }
        } catch (RuntimeException e) {
            log.warn("repairing interrupted session changes failed: {}", e.getClass().getName());
        }
    }

    /** Repairs interrupted session changes now, as the schedule would; answers how many. */
    public int repairSessionsNow() { return core.sessions().repairInterrupted(NODE); }

    private static void sweep(Core core) {
        try {
            long n = core.cleanup().run(CleanupCriteria.ended(), "system", x -> { });
            if (n > 0) {
                log.info("cleanup removed {} ended session(s)", n);
            }
            long contexts = core.patients().sweep("timeout", "system");
            if (contexts > 0) {
                log.info("cleanup removed {} expired patient context(s)", contexts);
            }
            int forgotten = core.sessions().pruneRevocations();
            if (forgotten > 0) {
                log.info("cleanup forgot {} revocation(s) of sessions past their absolute expiry", forgotten);
            }
            int challenges = core.login().sweepChallenges();
            if (challenges > 0) {
                log.info("cleanup removed {} expired MFA challenge(s)", challenges);
            }
        } catch (RuntimeException e) {
            // Never let one failed sweep stop the schedule; class only, as everywhere in logs.
            log.warn("cleanup sweep failed: {}", e.getClass().getName());
        }
        try {
            long pruned = core.auditRetention().pruneDue();
            if (pruned > 0) {
                log.info("audit retention pruned {} event(s)", pruned);
            }
        } catch (RuntimeException e) {
            log.warn("audit retention failed: {}", e.getClass().getName());
        }
        try {
            int alerts = core.alerts().pruneDue(core.tenants());
            if (alerts > 0) {
                log.info("alert retention removed {} alert(s) with their deliveries", alerts);
            }
        } catch (RuntimeException e) {
            log.warn("alert retention failed: {}", e.getClass().getName());
        }
    }

    /** How often the GeoIP file is looked at for a new edition. */
    static final long GEOIP_CHECK_SECONDS = 10;

    /** How often the outbox is looked at for alert deliveries due (first tries and retries alike). */
    static final long ALERT_POLL_SECONDS = 1;

    private static void deliverAlerts(Core core) {
        try {
            core.alerts().deliverDue();
        } catch (RuntimeException e) {
            log.warn("alert delivery failed: {}", e.getClass().getName());
        }
    }

    /** How often the detectors look for new audit events (a pass with none is a few cheap queries per tenant). */
    static final long DETECT_POLL_SECONDS = 1;

    private static void detect(Detectors detectors) {
        try {
            // A turn lasts until the trail is caught up, at most two seconds (the thread also delivers alerts).
            detectors.drain(Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            log.warn("detection pass failed: {}", e.getClass().getName());
        }
    }

    /** One turn of the detectors' schedule, now (for tests: what the background thread does each second). */
    public void detectOneTurn() { detect(detectors); }

    /** Runs the detectors until every event of the trail is looked at (here or by another node); for tests. */
    public void detectNow() { detectors.catchUp(Duration.ofSeconds(30)); }

    /** Tries the alert deliveries due now, as the schedule would (after any pass under way); answers how many. */
    public int deliverAlertsNow() { return core.alerts().deliverDue(); }

    /** How often the checkpoint schedule looks for chains due a signed checkpoint. */
    static final long CHECKPOINT_TICK_SECONDS = 10;

    private static void checkpoints(Core core) {
        try {
            core.auditCheckpoints().takeDue();
        } catch (RuntimeException e) {
            log.warn("audit checkpoints failed: {}", e.getClass().getName());
        }
    }

    /** Takes the checkpoints that are due now, as the schedule would; answers how many. */
    public int checkpointsNow() { return core.auditCheckpoints().takeDue(); }

    /** Prunes audit events past retention now, as the cleanup schedule would; answers how many. */
    public long pruneAuditNow() { return core.auditRetention().pruneDue(); }

    /** Removes alerts past their tenant's retention now, as the cleanup schedule would; answers how many. */
    public int pruneAlertsNow() { return core.alerts().pruneDue(core.tenants()); }

    /** How often due key rotations run and encryption counts are written to the audit trail. */
    static final long KEY_CHORES_SECONDS = 60;

    private static void keyChores(Core core) {
        try {
            int rotated = core.keys().rotateDue();
            if (rotated > 0) {
                log.info("rotated the keys of {} tenant(s) on schedule", rotated);
            }
        } catch (RuntimeException e) {
            log.warn("scheduled key rotation failed: {}", e.getClass().getName());
        }
        try {
            core.cryptoUsage().flush();
        } catch (RuntimeException e) {
            log.warn("writing encryption counts failed: {}", e.getClass().getName());
        }
    }

    /** Rotates due tenant keys now, as the schedule would; returns how many tenants rotated. */
    public int rotateDueKeysNow() { return core.keys().rotateDue(); }

    /** Writes the encryption counts to the audit trail now, as the schedule would. */
    public int flushCryptoUsageNow() { return core.cryptoUsage().flush(); }

    public int port() { return http.port(); }

    public AuditTrail audit() { return core.audit(); }

    /** Every route served, as registered. */
    public RouteTable routes() { return routes; }

    /**
     * Runs the schedule's sweep of patient contexts now (expired contexts removed and recorded, ended breaks of the
     * glass recorded); answers how many contexts it removed.
     */
    public long sweepPatientsNow() { return core.patients().sweep("timeout", "system"); }

    /** Runs one cleanup sweep now, as the schedule would. */
    public long sweepNow() { return core.cleanup().run(CleanupCriteria.ended(), "system", x -> { }); }

    /**
     * Per tenant, how many audit events the ATNA syslog receiver is not yet known to hold (empty without
     * {@code WARD_AUDIT_SYSLOG}): the figure to monitor, since a receiver outage does not affect readiness.
     */
    public Map<String, Long> auditForwardingLag() {
        return atna.map(AtnaForwarder::lag).orElse(Map.of());
    }

    /** The ATNA forwarder, where {@code WARD_AUDIT_SYSLOG} is set. */
    public Optional<AtnaForwarder> auditForwarder() { return atna; }

    /** Readiness answers 503 from now on, while everything else is still served: the start of a graceful stop. */
    public void announceStop() {
        stopping.set(true);
    }

    /**
     * Stops gracefully: no new connections, requests in flight finish (within {@code WARD_SHUTDOWN_GRACE_SECONDS}),
     * a sweep or key chore under way completes, and only then do the stores close.
     */
    @Override
    public void close() {
        stopping.set(true);
        try {
            http.stop();
        } finally {
            scheduler.shutdown();
            try {
                if (!scheduler.awaitTermination(Math.max(1, grace.toSeconds()), TimeUnit.SECONDS)) {
                    scheduler.shutdownNow();
                }
            } catch (InterruptedException e) {
                scheduler.shutdownNow();
                Thread.currentThread().interrupt();
            }
            keyChoresAtStop();
            stopAlertSender();
            // Stopped before the database closes: it reads the outbox there, and its position must commit.
            atna.ifPresent(AtnaForwarder::close);
            readiness.close();
            core.close();
        }
    }

    /** Lets a delivery under way finish (its attempt is recorded) before the database closes. */
    private void stopAlertSender() {
        alertSender.shutdown();
        try {
            if (!alertSender.awaitTermination(Math.max(1, grace.toSeconds()), TimeUnit.SECONDS)) {
                alertSender.shutdownNow();
            }
        } catch (InterruptedException e) {
            alertSender.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** The stores and services under this server, for tests that set state up directly. */
    Core core() { return core; }

    private void keyChoresAtStop() {
        try {
            core.cryptoUsage().flush();
        } catch (RuntimeException e) {
            log.warn("writing encryption counts at stop failed: {}", e.getClass().getName());
        }
    }

    /** Closes the database under a running server, to exercise fail-closed behaviour in tests. */
    void closeDatabaseForTest() {
        core.db().close();
    }
}
