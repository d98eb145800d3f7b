package dev.ward.server;

import dev.ward.access.AdminGuard;
import dev.ward.apikey.ApiKeyService;
import dev.ward.audit.AuditTrail;
import dev.ward.auth.LoginService;
import dev.ward.bootstrap.Bootstrap;
import dev.ward.crypto.CryptoService;
import dev.ward.crypto.CryptoUsage;
import dev.ward.crypto.MasterKey;
import dev.ward.crypto.MasterKeyCipher;
import dev.ward.crypto.Resealable;
import dev.ward.crypto.TenantKeys;
import dev.ward.jwt.SessionJwt;
import dev.ward.server.http.HttpApi;
import dev.ward.server.http.RouteTable;
import dev.ward.session.CleanupCriteria;
import dev.ward.session.SessionAttributes;
import dev.ward.session.SessionCleanup;
import dev.ward.session.SessionService;
import dev.ward.store.sql.SqlApiKeyStore;
import dev.ward.store.sql.SqlAttributeStore;
import dev.ward.store.sql.SqlAuditStore;
import dev.ward.store.sql.SqlDatabase;
import dev.ward.store.sql.SqlKeyStore;
import dev.ward.store.sql.SqlLockoutStore;
import dev.ward.store.sql.SqlLoginAttemptStore;
import dev.ward.store.sql.SqlSessionStore;
import dev.ward.store.sql.SqlSigningKeyStore;
import dev.ward.store.sql.SqlTenantStore;
import dev.ward.store.sql.SqlUserStore;
import dev.ward.tenant.TenantService;
import dev.ward.user.PasswordHasher;
import dev.ward.user.PasswordRules;
import dev.ward.user.UserService;
import io.javalin.Javalin;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place where Ward is wired together: stores, services, HTTP, the cleanup schedule. */
public final class Ward implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Ward.class);

    /** Stores and services over one database, for the server and for CLI commands alike. */
    public record Core(SqlDatabase db, MasterKey masterKey, AuditTrail audit, TenantService tenants, UserService users,
                       ApiKeyService apiKeys, LoginService login, SessionService sessions, SessionAttributes attributes,
                       SessionJwt jwt, SessionCleanup cleanup, TenantKeys keys, CryptoUsage cryptoUsage,
                       CryptoService crypto) implements AutoCloseable {

        public static Core open(Config config, Clock clock) {
            if (!config.production()) {
                try {
                    Files.createDirectories(config.dataDir());
                } catch (IOException e) {
                    throw new UncheckedIOException("Cannot create the data directory " + config.dataDir(), e);
                }
            }
            MasterKey masterKey = MasterKey.load(config.masterKey(), config.dataDir());
            SqlDatabase db = config.databaseUrl().map(SqlDatabase::postgres).orElseGet(() -> SqlDatabase.embedded(config.dataDir()));
            try {
                MasterKeyCipher masterCipher = new MasterKeyCipher(masterKey);
                AuditTrail audit = new AuditTrail(new SqlAuditStore(db), clock);
                AdminGuard guard = new AdminGuard(audit);
                PasswordHasher hasher = new PasswordHasher(config.argon2());
                TenantService tenants = new TenantService(new SqlTenantStore(db), guard, audit, clock);
                SqlSessionStore sessionStore = new SqlSessionStore(db);
                SessionService sessions = new SessionService(sessionStore, tenants, guard, audit, clock);
                SqlUserStore userStore = new SqlUserStore(db);
                SqlLockoutStore lockouts = new SqlLockoutStore(db);
                UserService users = new UserService(userStore, lockouts, tenants, sessions, hasher,
                        PasswordRules.withShippedCommonList(), guard, audit, clock);
                ApiKeyService apiKeys = new ApiKeyService(new SqlApiKeyStore(db), tenants, guard, audit, clock);
                LoginService login = new LoginService(tenants, userStore, lockouts, new SqlLoginAttemptStore(db),
                        new LocalRateLimiter(clock), config.loginLimits(), hasher, sessions, guard, audit, clock);
                TenantKeys keys = new TenantKeys(new SqlKeyStore(db), masterCipher, tenants, guard, audit, clock);
                CryptoUsage cryptoUsage = new CryptoUsage(audit, clock);
                CryptoService crypto = new CryptoService(keys, cryptoUsage, clock);
                SessionAttributes attributes = new SessionAttributes(new SqlAttributeStore(db), keys, clock);
                SessionJwt jwt = new SessionJwt(new SqlSigningKeyStore(db), masterCipher, tenants, guard, audit, clock);
                SessionCleanup cleanup = new SessionCleanup(sessionStore, audit, clock);
                return new Core(db, masterKey, audit, tenants, users, apiKeys, login, sessions, attributes, jwt, cleanup, keys,
                        cryptoUsage, crypto);
            } catch (RuntimeException e) {
                db.close();
                throw e;
            }
        }

        /** Everything Ward seals with tenant keys, for {@code keys rewrap}. */
        public List<Resealable> resealables() { return List.of(attributes); }

        @Override
        public void close() { db.close(); }
    }

    /** What {@code serve --cleanup-on-start} removes before listening. */
    public record StartupCleanup(CleanupCriteria criteria) {}

    private final Core core;
    private final Javalin http;
    private final RouteTable routes;
    private final ScheduledExecutorService scheduler;

    private Ward(Core core, Javalin http, RouteTable routes, ScheduledExecutorService scheduler) {
        this.core = core;
        this.http = http;
        this.routes = routes;
        this.scheduler = scheduler;
    }

    public static Ward start(Config config, Clock clock, PrintStream console) {
        return start(config, clock, console, Optional.empty());
    }

    /** Starts a server; {@code console} receives the one-time bootstrap password and the listening line. */
    public static Ward start(Config config, Clock clock, PrintStream console, Optional<StartupCleanup> startupCleanup) {
        Core core = Core.open(config, clock);
        try {
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
            startupCleanup.ifPresent(c -> console.println("Cleanup on start: removed "
                    + core.cleanup().run(c.criteria(), "operator", n -> { }) + " session(s)."));

            HttpApi api = new HttpApi(new HttpApi.Services(core.tenants(), core.users(), core.apiKeys(), core.login(),
                    core.sessions(), core.attributes(), core.jwt(), core.keys(), core.crypto(), core.db()::ping),
                    config.cookieSecure());
            Javalin app = api.create();
            app.start(config.host(), config.port());
            ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "ward-scheduler");
                t.setDaemon(true);
                return t;
            });
            long every = config.cleanupInterval().toSeconds();
            scheduler.scheduleWithFixedDelay(() -> sweep(core.cleanup()), every, every, TimeUnit.SECONDS);
            scheduler.scheduleWithFixedDelay(() -> keyChores(core), KEY_CHORES_SECONDS, KEY_CHORES_SECONDS, TimeUnit.SECONDS);
            console.println("Ward listening on http://" + config.host() + ":" + app.port());
            return new Ward(core, app, api.routes(), scheduler);
        } catch (RuntimeException e) {
            core.close();
            throw e;
        }
    }

    private static void sweep(SessionCleanup cleanup) {
        try {
            long n = cleanup.run(CleanupCriteria.ended(), "system", x -> { });
            if (n > 0) {
                log.info("cleanup removed {} ended session(s)", n);
            }
        } catch (RuntimeException e) {
            // Never let one failed sweep stop the schedule; class only, as everywhere in logs.
            log.warn("cleanup sweep failed: {}", e.getClass().getName());
        }
    }

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

    /** Runs one cleanup sweep now, as the schedule would. */
    public long sweepNow() { return core.cleanup().run(CleanupCriteria.ended(), "system", x -> { }); }

    @Override
    public void close() {
        scheduler.shutdownNow();
        http.stop();
        keyChoresAtStop();
        core.close();
    }

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
