package dev.ward.server;

import dev.ward.access.AdminGuard;
import dev.ward.apikey.ApiKeyService;
import dev.ward.audit.AuditTrail;
import dev.ward.auth.LoginService;
import dev.ward.bootstrap.Bootstrap;
import dev.ward.crypto.MasterKey;
import dev.ward.server.http.HttpApi;
import dev.ward.server.http.RouteTable;
import dev.ward.session.SessionService;
import dev.ward.store.sql.SqlApiKeyStore;
import dev.ward.store.sql.SqlAuditStore;
import dev.ward.store.sql.SqlDatabase;
import dev.ward.store.sql.SqlLockoutStore;
import dev.ward.store.sql.SqlLoginAttemptStore;
import dev.ward.store.sql.SqlSessionStore;
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

/** The one place where Ward is wired together: stores, services, HTTP. */
public final class Ward implements AutoCloseable {
    private final SqlDatabase db;
    private final Javalin http;
    private final AuditTrail audit;
    private final MasterKey masterKey;
    private final RouteTable routes;

    private Ward(SqlDatabase db, Javalin http, AuditTrail audit, MasterKey masterKey, RouteTable routes) {
        this.db = db;
        this.http = http;
        this.audit = audit;
        this.masterKey = masterKey;
        this.routes = routes;
    }

    /** Starts a server; {@code console} receives the one-time bootstrap password and the listening line. */
    public static Ward start(Config config, Clock clock, PrintStream console) {
        try {
            Files.createDirectories(config.dataDir());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the data directory " + config.dataDir(), e);
        }
        MasterKey masterKey = MasterKey.load(config.masterKey(), config.dataDir());
        SqlDatabase db = SqlDatabase.embedded(config.dataDir());
        try {
            AuditTrail audit = new AuditTrail(new SqlAuditStore(db), clock);
            AdminGuard guard = new AdminGuard(audit);
            PasswordHasher hasher = new PasswordHasher(config.argon2());
            TenantService tenants = new TenantService(new SqlTenantStore(db), guard, audit, clock);
            SessionService sessions = new SessionService(new SqlSessionStore(db), audit, clock);
            SqlUserStore userStore = new SqlUserStore(db);
            SqlLockoutStore lockouts = new SqlLockoutStore(db);
            UserService users = new UserService(userStore, lockouts, tenants, sessions, hasher,
                    PasswordRules.withShippedCommonList(), guard, audit, clock);
            ApiKeyService apiKeys = new ApiKeyService(new SqlApiKeyStore(db), tenants, guard, audit, clock);
            LoginService login = new LoginService(tenants, userStore, lockouts, new SqlLoginAttemptStore(db),
                    new LocalRateLimiter(clock), config.loginLimits(), hasher, sessions, guard, audit, clock);

            switch (new Bootstrap(tenants, users).run(config.bootstrapAdminPassword())) {
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

            HttpApi api = new HttpApi(new HttpApi.Services(tenants, users, apiKeys, login, sessions, db::ping),
                    config.cookieSecure());
            Javalin app = api.create();
            app.start(config.host(), config.port());
            Ward ward = new Ward(db, app, audit, masterKey, api.routes());
            console.println("Ward listening on http://" + config.host() + ":" + app.port());
            return ward;
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    public int port() { return http.port(); }

    public AuditTrail audit() { return audit; }

    /** Every route served, as registered. */
    public RouteTable routes() { return routes; }

    public MasterKey masterKey() { return masterKey; }

    @Override
    public void close() {
        http.stop();
        db.close();
    }

    /** Closes the database under a running server, to exercise fail-closed behaviour in tests. */
    void closeDatabaseForTest() {
        db.close();
    }
}
