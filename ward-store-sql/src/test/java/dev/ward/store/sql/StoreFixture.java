package dev.ward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ward.access.Actor;
import dev.ward.access.AdminGuard;
import dev.ward.access.Scope;
import dev.ward.apikey.ApiKeyService;
import dev.ward.audit.AuditEvent;
import dev.ward.audit.AuditTrail;
import dev.ward.auth.LoginLimits;
import dev.ward.auth.LoginRequest;
import dev.ward.auth.LoginResult;
import dev.ward.auth.LoginService;
import dev.ward.auth.RateLimiter;
import dev.ward.crypto.MasterKey;
import dev.ward.crypto.MasterKeyCipher;
import dev.ward.crypto.TenantKeys;
import dev.ward.jwt.SessionJwt;
import dev.ward.mfa.MfaService;
import dev.ward.problem.ProblemException;
import dev.ward.session.Client;
import dev.ward.session.IssuedSession;
import dev.ward.session.Opening;
import dev.ward.session.AttributeStore;
import dev.ward.session.Session;
import dev.ward.session.SessionAttributes;
import dev.ward.session.SessionCleanup;
import dev.ward.session.SessionService;
import dev.ward.session.SessionStore;
import dev.ward.session.Validation;
import dev.ward.tenant.Policy;
import dev.ward.tenant.TenantService;
import dev.ward.testing.MutableClock;
import dev.ward.user.HashingPool;
import dev.ward.user.PasswordHasher;
import dev.ward.user.PasswordRules;
import dev.ward.user.UserService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * Ward's services wired over the store adapters the way ward-server's {@code Ward.Core.open} does, on
 * fresh stores of one {@link Backend} (in-memory H2, a PostgreSQL schema of its own, ...) and a
 * {@link MutableClock}, so tests move time instead of sleeping. Closing the fixture disposes of the stores
 * it opened (for PostgreSQL: drops the schema).
 */
final class StoreFixture implements AutoCloseable {
    static final PasswordHasher HASHER = hasher(PasswordHasher.Params.OWASP);

    /** A hasher with a pool roomy enough that no test's parallel requests are refused as busy. */
    static PasswordHasher hasher(PasswordHasher.Params params) {
        return new PasswordHasher(params, new HashingPool(4, 256));
    }
    static final Actor OPERATOR = new Actor.Operator();
    static final Actor SYSTEM_ADMIN = new Actor.User(Actor.SYSTEM_TENANT, "usr_root", "root", Set.of("admin"), "ses_root");
    static final Client DESK = new Client("203.0.113.7", "Mozilla/5.0 (desk)");

    /** Lets every request through. */
    static final RateLimiter ALWAYS_ALLOWS = (bucket, perMinute) -> Optional.empty();

    final MutableClock clock = MutableClock.startingAt("2026-11-22T10:00:00Z");
    final Backend backend;
    final Backend.Stores stores;
    /** Whether close() disposes of the stores: false for a second node over another fixture's stores. */
    private final boolean ownsStores;
    /** Second nodes over this fixture's stores, closed with it. */
    private final List<StoreFixture> otherNodes = new java.util.concurrent.CopyOnWriteArrayList<>();
    final SqlDatabase db;
    final MasterKey masterKey;
    final SqlDeliveryOutbox outbox;
    final MasterKeyCipher masterCipher;
    final AuditTrail audit;
    final AdminGuard guard;
    final TenantService tenants;
    final SessionStore sessionStore;
    final SessionService sessions;
    final dev.ward.session.SessionRevocations revocations;
    /** None kept: the suites here lose no commit's answer (CommitInDoubtTest, in ward-server, does). */
    final dev.ward.session.RefusedChanges refusals = dev.ward.session.RefusedChanges.NONE;
    final SqlUserStore userStore;
    final SqlLockoutStore lockouts;
    final SqlLoginAttemptStore history;
    final UserService users;
    final ApiKeyService apiKeys;
    final SqlMfaStore mfaStore;
    final MfaService mfa;
    final SqlMfaChallengeStore challenges;
    final LoginService login;
    final SqlKeyStore keyStore;
    final TenantKeys keys;
    final AttributeStore attributeStore;
    final SessionAttributes attributes;
    final SqlSigningKeyStore signingKeys;
    final SessionJwt jwt;
    final SessionCleanup cleanup;
    final dev.ward.patient.PatientStore patientStore;
    final dev.ward.patient.PatientContexts patients;
    final dev.ward.alert.Alerts alerts;
    final dev.ward.user.UserAttributes userAttributes;
    final dev.ward.patient.PatientAccess access;
    /** This fixture's own listener: a second fixture over the same stores is a second node. */
    final SqlInvalidations invalidations;

    /** Services over fresh stores on backend, with a new master key. */
    StoreFixture(Backend backend, String name) {
        this(backend, backend.open(name), randomMasterKey(), true);
    }

    /** Services over another fixture's stores and master key: what a restart (or a second node) sees. */
    StoreFixture(StoreFixture first) {
        this(first.backend, first.stores, first.masterKey, false);
        first.otherNodes.add(this);
    }

    private StoreFixture(Backend backend, Backend.Stores stores, MasterKey masterKey, boolean ownsStores) {
        this.backend = backend;
        this.stores = stores;
        this.ownsStores = ownsStores;
        this.db = stores.db();
        this.masterKey = masterKey;
        this.invalidations = SqlInvalidations.of(db);
        try {
            invalidations.listen();
            masterCipher = new MasterKeyCipher(masterKey);
            audit = new AuditTrail(new SqlAuditStore(db), db::atomically, clock);
            guard = new AdminGuard(audit);
            tenants = new TenantService(new SqlTenantStore(db), new dev.ward.crypto.SealedPolicySecrets(masterCipher), guard, audit, invalidations, clock);
            sessionStore = stores.sessions();
            revocations = sessionStore instanceof dev.ward.session.DetachedSessionStore
                    ? new SqlSessionRevocations(db) : dev.ward.session.SessionRevocations.NONE;
            sessions = new SessionService(sessionStore, new SqlSessionIntents(db), revocations, refusals, tenants, guard, audit, clock);
            userStore = new SqlUserStore(db);
            lockouts = new SqlLockoutStore(db);
            history = new SqlLoginAttemptStore(db);
            challenges = new SqlMfaChallengeStore(db);
            users = new UserService(userStore, lockouts, challenges, tenants, sessions, HASHER,
                    PasswordRules.withShippedCommonList(), guard, audit, clock);
            apiKeys = new ApiKeyService(new SqlApiKeyStore(db), tenants, guard, audit, invalidations, clock);
            keyStore = new SqlKeyStore(db);
            keys = new TenantKeys(keyStore, masterCipher, tenants, guard, audit, invalidations, clock);
            mfaStore = new SqlMfaStore(db);
            mfa = new MfaService(mfaStore, keys, tenants, userStore, lockouts, challenges, HASHER, sessions, guard, audit, clock);
            login = login(ALWAYS_ALLOWS, HASHER);
            attributeStore = stores.attributes();
            attributes = new SessionAttributes(attributeStore, keys, clock);
            keys.register(attributes);
            keys.register(mfa);
            signingKeys = new SqlSigningKeyStore(db);
            jwt = new SessionJwt(signingKeys, masterCipher, tenants, guard, audit, clock);
            cleanup = new SessionCleanup(sessionStore, new SqlSessionIntents(db), revocations, audit, clock);
            patientStore = stores.patients();
            userAttributes = new dev.ward.user.UserAttributes(new SqlUserAttributeStore(db), keys, clock);
            keys.register(userAttributes);
            SqlAlertStore alertStore = new SqlAlertStore(db);
            outbox = new SqlDeliveryOutbox(db);
            alerts = new dev.ward.alert.Alerts(alertStore, new dev.ward.alert.AlertDelivery(outbox, alertStore, tenants,
                    List.of(new dev.ward.alert.WebhookChannel(tenants,
                            new dev.ward.alert.WebhookPost(List.of()), clock)), clock, "fixture"), outbox, guard, audit, clock);
            access = new dev.ward.patient.PatientAccess(new SqlRestrictionStore(db), userStore, alerts, guard, audit, clock);
            patients = new dev.ward.patient.PatientContexts(patientStore, sessionStore, sessions, access, tenants, keys, audit, clock);
            cleanup.clearsWith(patients);
        } catch (RuntimeException | Error e) {
            invalidations.close();
            if (ownsStores) {
                try {
                    stores.close();
                } catch (RuntimeException closing) {
                    e.addSuppressed(closing);
                }
            }
            throw e;
        }
    }

    static MasterKey randomMasterKey() {
        byte[] key = new byte[MasterKey.LENGTH];
        new java.security.SecureRandom().nextBytes(key);
        // With a key from the environment, MasterKey never touches the directory.
        return MasterKey.load(Optional.of(Base64.getEncoder().encodeToString(key)), Path.of("/nonexistent-ward-test-dir"));
    }

    /** The user service over this fixture's stores, hashing with {@code hasher}. */
    UserService users(PasswordHasher hasher) {
        return new UserService(userStore, lockouts, challenges, tenants, sessions, hasher,
                PasswordRules.withShippedCommonList(), guard, audit, clock);
    }

    LoginService login(RateLimiter limiter, PasswordHasher hasher) {
        return new LoginService(tenants, userStore, lockouts, history, limiter, LoginLimits.DEFAULT, hasher, sessions,
                mfa, challenges, dev.ward.geo.Geolocation.OFF, guard, audit, clock);
    }

    // --- set-up helpers --------------------------------------------------------------------------------

    void tenant(String id) {
        tenants.create(OPERATOR, id, "Tenant " + id, Map.of());
    }

    void tenant(String id, Map<String, ?> sessionPolicy) {
        tenants.create(OPERATOR, id, "Tenant " + id, Map.of("session", sessionPolicy));
    }

    void sessionPolicy(String tenant, Map<String, ?> sessionPolicy) {
        tenants.updatePolicy(OPERATOR, tenant, Map.of("session", sessionPolicy));
    }

    Policy policy(String tenant) {
        return tenants.find(tenant).orElseThrow().policy();
    }

    /** A real user row (the session store locks it when admitting sessions). */
    String user(String tenant, String username, String password, List<String> roles) {
        return users.create(OPERATOR, tenant, username, password, roles).user().id();
    }

    /** Opens a session through the service under the tenant's stored policy. */
    IssuedSession open(String tenant, String userId) {
        return open(tenant, userId, 1, DESK);
    }

    IssuedSession open(String tenant, String userId, int aal, Client client) {
        Opening opening = sessions.open(tenant, userId, "user-" + userId, List.of("staff"), aal, policy(tenant), client, o -> { });
        assertThat(opening).isInstanceOf(Opening.Opened.class);
        return ((Opening.Opened) opening).issued();
    }

    LoginResult loginAs(String tenant, String username, String password) {
        return login.login(Optional.empty(), new LoginRequest(tenant, username, password, DESK));
    }

    static Actor.ApiKey sessionsKey(String tenant) {
        return new Actor.ApiKey(tenant, "key_" + tenant, Set.of(Scope.SESSIONS));
    }

    static Actor.User holder(Session s) {
        return new Actor.User(s.tenant(), s.userId(), s.username(), Set.copyOf(s.roles()), s.id());
    }

    // --- assertions ----------------------------------------------------------------------------------------

    static Validation.Valid valid(Validation v) {
        assertThat(v).as("validation outcome").isInstanceOf(Validation.Valid.class);
        return (Validation.Valid) v;
    }

    static Session validSession(Validation v) {
        return valid(v).session();
    }

    static Validation.Invalid invalid(Validation v) {
        assertThat(v).as("validation outcome").isInstanceOf(Validation.Invalid.class);
        return (Validation.Invalid) v;
    }

    static ProblemException refusal(ThrowingCallable call) {
        ProblemException e = catchThrowableOfType(ProblemException.class, call);
        assertThat(e).as("expected a refusal").isNotNull();
        return e;
    }

    List<AuditEvent> auditOf(String tenant, String type) {
        return audit.recent(tenant, type, 1000);
    }

    void advance(long seconds) {
        clock.advance(Duration.ofSeconds(seconds));
    }

    /** Session records held by this fixture's session backend (SQL rows or Redis keys), live or ended. */
    long sessionCount() {
        return stores.sessionCount();
    }

    long count(String sql) {
        return db.call(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    /** Disposes of the stores this fixture opened (a second node's fixture leaves them to the first). */
    @Override
    public void close() {
        otherNodes.forEach(StoreFixture::close);
        invalidations.close();
        if (ownsStores) {
            stores.close();
        }
    }

    @Override
    public String toString() {
        return "StoreFixture on " + backend;
    }
}
