package dev.ward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ward.access.Actor;
import dev.ward.access.Scope;
import dev.ward.audit.AuditEvent;
import dev.ward.auth.LoginAttempt;
import dev.ward.auth.LoginRequest;
import dev.ward.auth.LoginResult;
import dev.ward.auth.LoginService;
import dev.ward.auth.RateLimiter;
import dev.ward.problem.ProblemException;
import dev.ward.session.Client;
import dev.ward.session.Validation;
import dev.ward.user.PasswordHasher;
import dev.ward.user.User;
import dev.ward.user.UserStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LoginServiceTest extends StoreContract {
    private static final String TENANT = "clinic";
    private static final String PASSWORD = "Correct-Horse-9!";
    private static final Client DESK = new Client("203.0.113.7", "Mozilla/5.0 (desk)");
    private static final PasswordHasher HASHER = StoreFixture.HASHER;
    private static final Actor SYSTEM_ADMIN = new Actor.User(Actor.SYSTEM_TENANT, "usr_root", "admin", Set.of("admin"), "ses_root");

    /** Lets every request through. */
    static final class AlwaysAllows implements RateLimiter {
        @Override
        public Optional<Duration> acquire(String bucket, long perMinute) { return Optional.empty(); }
    }

    /** Refuses every request, asking the caller to come back later. */
    static final class AlwaysRefuses implements RateLimiter {
        static final Duration RETRY = Duration.ofSeconds(42);

        @Override
        public Optional<Duration> acquire(String bucket, long perMinute) { return Optional.of(RETRY); }
    }

    private StoreFixture world;
    private LoginService login;
    private String aliceId;

    @BeforeEach
    void setUp() {
        world = fixture("login");
        login = world.login(new AlwaysAllows(), HASHER);
        world.tenants.create(new Actor.Operator(), TENANT, "St Clinic", Map.of());
        aliceId = world.users.create(new Actor.Operator(), TENANT, "alice", PASSWORD, List.of("staff")).user().id();
    }

    private LoginResult attempt(String username, String password) {
        return attempt(TENANT, username, password, DESK);
    }

    private LoginResult attempt(String tenant, String username, String password, Client client) {
        return login.login(Optional.empty(), new LoginRequest(tenant, username, password, client));
    }

    private void setLockoutPolicy(int maxFailures, int lockoutSeconds) {
        world.tenants.updatePolicy(new Actor.Operator(), TENANT,
                Map.of("login", Map.of("max_failures", maxFailures, "lockout_seconds", lockoutSeconds)));
    }

    private void failTimes(int n) {
        for (int i = 0; i < n; i++) {
            assertThat(attempt("alice", "Wrong-Horse-9!")).isEqualTo(new LoginResult.Rejected("wrong_password"));
        }
    }

    private LoginAttempt lastAttempt() {
        return world.history.recent(TENANT, null, 1).getFirst();
    }

    private List<String> auditTypes() {
        return world.audit.recent(TENANT, null, 500).stream().map(AuditEvent::type).toList();
    }

    @Test
    void successfulLoginReturnsASessionAndAWstToken() {
        LoginResult result = attempt("alice", PASSWORD);

        assertThat(result).isInstanceOf(LoginResult.Authenticated.class);
        var ok = (LoginResult.Authenticated) result;
        assertThat(ok.issued().token()).matches("wst_[A-Za-z0-9_-]{62}");
        assertThat(ok.user().id()).isEqualTo(aliceId);
        var session = ok.issued().session();
        assertThat(session.id()).startsWith("ses_").isNotEqualTo(ok.issued().token());
        assertThat(session.tenant()).isEqualTo(TENANT);
        assertThat(session.userId()).isEqualTo(aliceId);
        assertThat(session.username()).isEqualTo("alice");
        assertThat(session.roles()).containsExactly("staff");
        assertThat(session.aal()).isEqualTo(1);
        assertThat(session.client()).isEqualTo(DESK);
        assertThat(session.createdAt()).isEqualTo(world.clock.instant());
        assertThat(world.sessions.validate(ok.issued().token(), DESK)).isInstanceOf(Validation.Valid.class);
    }

    @Test
    void successfulLoginIsRecordedInTheHistory() {
        attempt("alice", PASSWORD);

        LoginAttempt a = lastAttempt();
        assertThat(a.succeeded()).isTrue();
        assertThat(a.outcome()).isEqualTo("succeeded");
        assertThat(a.failureReason()).isNull();
        assertThat(a.username()).isEqualTo("alice");
        assertThat(a.userId()).isEqualTo(aliceId);
        assertThat(a.ip()).isEqualTo("203.0.113.7");
        assertThat(a.userAgent()).isEqualTo("Mozilla/5.0 (desk)");
        assertThat(a.at()).isEqualTo(world.clock.instant());
    }

    @Test
    void usernameIsMatchedCaseInsensitively() {
        assertThat(attempt("  ALICE ", PASSWORD)).isInstanceOf(LoginResult.Authenticated.class);
    }

    @Test
    void unknownTenantIsRejectedAndRecorded() {
        assertThat(attempt("nowhere", "alice", PASSWORD, DESK)).isEqualTo(new LoginResult.Rejected("unknown_tenant"));

        assertThat(world.history.recent("nowhere", null, 1)).as("a tenant created later must not inherit it").isEmpty();
        LoginAttempt a = world.history.recent("system", null, 1).getFirst();
        assertThat(a.username()).isEqualTo("nowhere/alice");
        assertThat(a.outcome()).isEqualTo("failed");
        assertThat(a.failureReason()).isEqualTo("unknown_tenant");
        assertThat(a.userId()).isNull();
        assertThat(a.ip()).isEqualTo(DESK.ip());
        assertThat(a.userAgent()).isEqualTo(DESK.userAgent());
    }

    @Test
    void unknownUserIsRejectedAndRecorded() {
        assertThat(attempt("mallory", PASSWORD)).isEqualTo(new LoginResult.Rejected("unknown_user"));

        LoginAttempt a = lastAttempt();
        assertThat(a.outcome()).isEqualTo("failed");
        assertThat(a.failureReason()).isEqualTo("unknown_user");
        assertThat(a.username()).isEqualTo("mallory");
        assertThat(a.userId()).isNull();
        assertThat(a.ip()).isEqualTo(DESK.ip());
        assertThat(a.userAgent()).isEqualTo(DESK.userAgent());
    }

    @Test
    void wrongPasswordIsRejectedAndRecorded() {
        assertThat(attempt("alice", "Wrong-Horse-9!")).isEqualTo(new LoginResult.Rejected("wrong_password"));

        LoginAttempt a = lastAttempt();
        assertThat(a.outcome()).isEqualTo("failed");
        assertThat(a.failureReason()).isEqualTo("wrong_password");
        assertThat(a.userId()).isEqualTo(aliceId);
        assertThat(a.ip()).isEqualTo(DESK.ip());
        assertThat(a.userAgent()).isEqualTo(DESK.userAgent());
    }

    @Test
    void overlongUsernameAndTenantAreRejectedAndRecordedClipped() {
        String longName = "m".repeat(1000);

        assertThat(attempt(TENANT, longName, PASSWORD, DESK)).isEqualTo(new LoginResult.Rejected("unknown_user"));
        assertThat(attempt("t".repeat(1000), "alice", PASSWORD, DESK)).isEqualTo(new LoginResult.Rejected("unknown_tenant"));

        assertThat(world.history.recent(TENANT, null, 1).getFirst().username()).hasSize(256);
        assertThat(world.history.recent("system", null, 1)).singleElement()
                .satisfies(a -> assertThat(a.failureReason()).isEqualTo("unknown_tenant"))
                .satisfies(a -> assertThat(a.username()).hasSize(256));
    }

    @Test
    void disabledAccountIsRejectedEvenWithTheRightPassword() {
        world.users.disable(new Actor.Operator(), TENANT, aliceId);

        assertThat(attempt("alice", PASSWORD)).isEqualTo(new LoginResult.Rejected("disabled"));
        assertThat(lastAttempt().failureReason()).isEqualTo("disabled");
        assertThat(lastAttempt().outcome()).isEqualTo("failed");
    }

    @Test
    void reEnabledAccountCanLogInAgain() {
        world.users.disable(new Actor.Operator(), TENANT, aliceId);
        world.users.enable(new Actor.Operator(), TENANT, aliceId);

        assertThat(attempt("alice", PASSWORD)).isInstanceOf(LoginResult.Authenticated.class);
    }

    @Test
    void lockedAccountGetsTheSameKindOfAnswerAsWrongPassword() {
        setLockoutPolicy(3, 60);
        LoginResult wrong = attempt("alice", "Wrong-Horse-9!");
        failTimes(2);

        LoginResult locked = attempt("alice", PASSWORD);

        assertThat(locked).isEqualTo(new LoginResult.Rejected("locked"));
        assertThat(locked.getClass()).isEqualTo(wrong.getClass());
        assertThat(lastAttempt().failureReason()).isEqualTo("locked");
        assertThat(lastAttempt().userAgent()).isEqualTo(DESK.userAgent());
    }

    @Test
    void rejectedLoginsOpenNoSession() {
        setLockoutPolicy(3, 60);
        attempt("nowhere", "alice", PASSWORD, DESK);
        attempt("mallory", PASSWORD);
        failTimes(3);
        attempt("alice", PASSWORD);

        assertThat(world.sessionCount()).isZero();
        assertThat(auditTypes()).doesNotContain("session.created", "login.succeeded");
    }

    @Test
    void accountLocksAfterThePolicysMaxFailures() {
        setLockoutPolicy(3, 60);
        failTimes(2);
        assertThat(attempt("alice", PASSWORD)).isInstanceOf(LoginResult.Authenticated.class);
        failTimes(3);

        assertThat(attempt("alice", PASSWORD)).isEqualTo(new LoginResult.Rejected("locked"));
        var view = world.users.get(new Actor.Operator(), TENANT, aliceId);
        assertThat(view.status()).isEqualTo(UserStatus.LOCKED);
        assertThat(view.lockedUntil()).isEqualTo(world.clock.instant().plusSeconds(60));
    }

    @Test
    void accountIsNotLockedOneFailureShortOfTheLimit() {
        setLockoutPolicy(3, 60);
        failTimes(2);
        assertThat(attempt("alice", PASSWORD)).isInstanceOf(LoginResult.Authenticated.class);
    }

    @Test
    void defaultPolicyLocksAfterFiveFailures() {
        failTimes(4);
        assertThat(world.users.get(new Actor.Operator(), TENANT, aliceId).status()).isEqualTo(UserStatus.ACTIVE);
        failTimes(1);
        assertThat(attempt("alice", PASSWORD)).isEqualTo(new LoginResult.Rejected("locked"));
        assertThat(world.users.get(new Actor.Operator(), TENANT, aliceId).lockedUntil())
                .isEqualTo(world.clock.instant().plus(Duration.ofMinutes(15)));
    }

    @Test
    void lockEndsWhenItsTimeHasPassed() {
        setLockoutPolicy(3, 60);
        failTimes(3);

        world.clock.advance(Duration.ofSeconds(59));
        assertThat(attempt("alice", PASSWORD)).isEqualTo(new LoginResult.Rejected("locked"));
        world.clock.advance(Duration.ofSeconds(2));
        assertThat(attempt("alice", PASSWORD)).isInstanceOf(LoginResult.Authenticated.class);
    }

    @Test
    void attemptsDuringALockDoNotExtendIt() {
        setLockoutPolicy(3, 60);
        failTimes(3);
        for (int i = 0; i < 5; i++) {
            world.clock.advance(Duration.ofSeconds(10));
            assertThat(attempt("alice", "Wrong-Horse-9!")).isEqualTo(new LoginResult.Rejected("locked"));
        }

        world.clock.advance(Duration.ofSeconds(11));
        assertThat(attempt("alice", PASSWORD)).isInstanceOf(LoginResult.Authenticated.class);
    }

    @Test
    void secondLockoutLastsTwiceAsLong() {
        setLockoutPolicy(3, 60);
        failTimes(3);
        world.clock.advance(Duration.ofSeconds(61));

        failTimes(3);
        Instant secondLock = world.clock.instant();
        assertThat(world.users.get(new Actor.Operator(), TENANT, aliceId).lockedUntil()).isEqualTo(secondLock.plusSeconds(120));

        world.clock.advance(Duration.ofSeconds(61));
        assertThat(attempt("alice", PASSWORD)).isEqualTo(new LoginResult.Rejected("locked"));
        world.clock.set(secondLock.plusSeconds(120));
        assertThat(attempt("alice", PASSWORD)).isInstanceOf(LoginResult.Authenticated.class);
    }

    @Test
    void lockingIsAuditedWithTheLockoutNumber() {
        setLockoutPolicy(3, 60);
        failTimes(3);

        AuditEvent locked = world.audit.recent(TENANT, "account.locked", 1).getFirst();
        assertThat(locked.userId()).isEqualTo(aliceId);
        assertThat(locked.outcome()).isEqualTo("failure");
        assertThat(locked.ip()).isEqualTo(DESK.ip());
        assertThat(locked.details()).containsEntry("failures", 3).containsEntry("lockout_number", 1)
                .containsEntry("locked_until", world.clock.instant().plusSeconds(60).toString());
    }

    @Test
    void adminUnlockLetsTheUserInAtOnce() {
        setLockoutPolicy(3, 60);
        failTimes(3);
        assertThat(attempt("alice", PASSWORD)).isEqualTo(new LoginResult.Rejected("locked"));

        world.users.unlock(new Actor.Operator(), TENANT, aliceId);

        assertThat(attempt("alice", PASSWORD)).isInstanceOf(LoginResult.Authenticated.class);
        assertThat(world.audit.recent(TENANT, "account.unlocked", 1)).singleElement()
                .satisfies(e -> assertThat(e.actor()).isEqualTo("operator"));
    }

    @Test
    void systemAdministratorCanUnlockAnAccountOfAnyTenant() {
        setLockoutPolicy(3, 60);
        failTimes(3);

        world.users.unlock(SYSTEM_ADMIN, TENANT, aliceId);

        assertThat(world.users.get(SYSTEM_ADMIN, TENANT, aliceId).status()).isEqualTo(UserStatus.ACTIVE);
        assertThat(attempt("alice", PASSWORD)).isInstanceOf(LoginResult.Authenticated.class);
        assertThat(world.audit.recent(TENANT, "account.unlocked", 1).getFirst().actor()).isEqualTo("user:usr_root");
    }

    @Test
    void failuresCountPerAccountWhateverTheClientAddress() {
        setLockoutPolicy(3, 60);
        for (int i = 1; i <= 3; i++) {
            Client elsewhere = new Client("198.51.100." + i, "bot/" + i);
            assertThat(attempt(TENANT, "alice", "Wrong-Horse-9!", elsewhere)).isEqualTo(new LoginResult.Rejected("wrong_password"));
        }

        assertThat(attempt("alice", PASSWORD)).isEqualTo(new LoginResult.Rejected("locked"));
    }

    @Test
    void failuresOfOneAccountDoNotLockAnother() {
        setLockoutPolicy(3, 60);
        world.users.create(new Actor.Operator(), TENANT, "bob", "Battery-Staple-7?", List.of("staff"));
        failTimes(3);

        assertThat(attempt("bob", "Battery-Staple-7?")).isInstanceOf(LoginResult.Authenticated.class);
    }

    @Test
    void successfulLoginResetsTheFailureCount() {
        setLockoutPolicy(3, 60);
        failTimes(2);
        assertThat(attempt("alice", PASSWORD)).isInstanceOf(LoginResult.Authenticated.class);
        failTimes(2);

        assertThat(attempt("alice", PASSWORD)).isInstanceOf(LoginResult.Authenticated.class);
        assertThat(world.lockouts.get(TENANT, aliceId).failures()).isZero();
    }

    @Test
    void hashUnderWeakerParamsIsUpgradedOnSuccessfulLogin() {
        PasswordHasher weak = StoreFixture.hasher(new PasswordHasher.Params(19456, 2, 1));
        PasswordHasher strong = StoreFixture.hasher(new PasswordHasher.Params(19456, 3, 1));
        User legacy = new User(TENANT, "usr_legacy", "legacy", weak.hash(PASSWORD), List.of("staff"), false, false,
                world.clock.instant());
        assertThat(world.userStore.insert(legacy)).isTrue();
        LoginService strongLogin = world.login(new AlwaysAllows(), strong);

        LoginResult result = strongLogin.login(Optional.empty(), new LoginRequest(TENANT, "legacy", PASSWORD, DESK));

        assertThat(result).isInstanceOf(LoginResult.Authenticated.class);
        String stored = world.userStore.find(TENANT, "usr_legacy").orElseThrow().passwordHash();
        assertThat(stored).startsWith("$argon2id$v=19$m=19456,t=3,p=1$");
        assertThat(strong.verify(PASSWORD, stored)).isTrue();
        assertThat(strong.needsRehash(stored)).isFalse();
        assertThat(strongLogin.login(Optional.empty(), new LoginRequest(TENANT, "legacy", PASSWORD, DESK)))
                .isInstanceOf(LoginResult.Authenticated.class);
    }

    @Test
    void hashIsNotUpgradedByAFailedLogin() {
        PasswordHasher weak = StoreFixture.hasher(new PasswordHasher.Params(19456, 2, 1));
        String weakHash = weak.hash(PASSWORD);
        world.userStore.insert(new User(TENANT, "usr_legacy", "legacy", weakHash, List.of("staff"), false, false,
                world.clock.instant()));
        LoginService strongLogin = world.login(new AlwaysAllows(), StoreFixture.hasher(new PasswordHasher.Params(19456, 3, 1)));

        strongLogin.login(Optional.empty(), new LoginRequest(TENANT, "legacy", "Wrong-Horse-9!", DESK));

        assertThat(world.userStore.find(TENANT, "usr_legacy").orElseThrow().passwordHash()).isEqualTo(weakHash);
    }

    @Test
    void hashUnderCurrentParamsIsLeftAlone() {
        String before = world.userStore.find(TENANT, aliceId).orElseThrow().passwordHash();
        attempt("alice", PASSWORD);
        assertThat(world.userStore.find(TENANT, aliceId).orElseThrow().passwordHash()).isEqualTo(before);
    }

    @Test
    void loginEventsAreAudited() {
        setLockoutPolicy(3, 60);
        LoginResult ok = attempt("alice", PASSWORD);
        failTimes(3);
        world.users.unlock(new Actor.Operator(), TENANT, aliceId);

        assertThat(auditTypes()).contains("login.succeeded", "login.failed", "account.locked", "account.unlocked",
                "session.created");

        String sessionId = ((LoginResult.Authenticated) ok).issued().session().id();
        AuditEvent succeeded = world.audit.recent(TENANT, "login.succeeded", 1).getFirst();
        assertThat(succeeded.userId()).isEqualTo(aliceId);
        assertThat(succeeded.sessionId()).isEqualTo(sessionId);
        assertThat(succeeded.ip()).isEqualTo(DESK.ip());
        AuditEvent created = world.audit.recent(TENANT, "session.created", 1).getFirst();
        assertThat(created.sessionId()).isEqualTo(sessionId);
        assertThat(created.userId()).isEqualTo(aliceId);
        AuditEvent failed = world.audit.recent(TENANT, "login.failed", 1).getFirst();
        assertThat(failed.outcome()).isEqualTo("failure");
        assertThat(failed.userId()).isEqualTo(aliceId);
        assertThat(failed.details()).containsEntry("reason", "wrong_password");
    }

    @Test
    void auditNeverContainsThePasswordOrTheToken() {
        LoginResult ok = attempt("alice", PASSWORD);
        attempt("alice", "Wrong-Horse-9!");
        String token = ((LoginResult.Authenticated) ok).issued().token();

        assertThat(world.audit.recent(TENANT, null, 100)).allSatisfy(e -> assertThat(e.toString())
                .doesNotContain(PASSWORD).doesNotContain("Wrong-Horse-9!").doesNotContain(token));
    }

    @Test
    void rateLimitedLoginIsRefusedBeforeAnyPasswordCheck() {
        LoginService limited = world.login(new AlwaysRefuses(), HASHER);

        LoginResult result = limited.login(Optional.empty(), new LoginRequest(TENANT, "alice", PASSWORD, DESK));

        assertThat(result).isEqualTo(new LoginResult.RateLimited(AlwaysRefuses.RETRY));
        // Refused by the per-address limit: nothing is written, so a flood cannot turn into database writes.
        assertThat(world.history.recent(TENANT, "alice", 10)).isEmpty();
        assertThat(world.lockouts.get(TENANT, aliceId).failures()).isZero();
        assertThat(auditTypes()).doesNotContain("session.created");

        RateLimiter usernamesOnly = (bucket, perMinute) ->
                bucket.startsWith("login:user:") ? Optional.of(AlwaysRefuses.RETRY) : Optional.empty();
        assertThat(world.login(usernamesOnly, HASHER).login(Optional.empty(), new LoginRequest(TENANT, "alice", PASSWORD, DESK)))
                .isEqualTo(new LoginResult.RateLimited(AlwaysRefuses.RETRY));
        LoginAttempt a = lastAttempt();
        assertThat(a.outcome()).isEqualTo("failed");
        assertThat(a.failureReason()).isEqualTo("rate_limited");
        assertThat(a.ip()).isEqualTo(DESK.ip());
        assertThat(world.lockouts.get(TENANT, aliceId).failures()).isZero();
    }

    @Test
    void rateLimitedWrongPasswordsDoNotLockTheAccount() {
        setLockoutPolicy(3, 60);
        LoginService limited = world.login(new AlwaysRefuses(), HASHER);
        for (int i = 0; i < 5; i++) {
            limited.login(Optional.empty(), new LoginRequest(TENANT, "alice", "Wrong-Horse-9!", DESK));
        }
        assertThat(attempt("alice", PASSWORD)).isInstanceOf(LoginResult.Authenticated.class);
    }

    @Test
    void historyIsNewestFirstAndFiltersByUsername() {
        attempt("mallory", "x");
        attempt("alice", "Wrong-Horse-9!");
        world.clock.advance(Duration.ofSeconds(5));
        attempt("alice", PASSWORD);

        List<LoginAttempt> alice = login.history(new Actor.Operator(), TENANT, "ALICE", 10);
        assertThat(alice).extracting(LoginAttempt::outcome).containsExactly("succeeded", "failed");
        assertThat(login.history(new Actor.Operator(), TENANT, null, 10)).hasSize(3);
    }

    @Test
    void historyOfEveryTenantIsForSystemAdministrators() {
        world.tenants.create(new Actor.Operator(), "other", "Other", Map.of());
        attempt("alice", PASSWORD);
        attempt("other", "zed", "x", DESK);

        assertThat(login.history(SYSTEM_ADMIN, null, null, 10)).extracting(LoginAttempt::tenant)
                .containsExactlyInAnyOrder(TENANT, "other");
        Actor clinicAdmin = new Actor.User(TENANT, "usr_ca", "boss", Set.of("admin"), "ses_ca");
        assertThat(login.history(clinicAdmin, null, null, 10)).extracting(LoginAttempt::tenant).containsOnly(TENANT);
    }

    @Test
    void apiKeyLoginNeedsTheSessionsScope() {
        var cryptoOnly = new Actor.ApiKey(TENANT, "key_c", Set.of(Scope.CRYPTO));

        ProblemException e = catchThrowableOfType(ProblemException.class,
                () -> login.login(Optional.of(cryptoOnly), new LoginRequest(TENANT, "alice", PASSWORD, DESK)));

        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo("insufficient_scope");
    }

    @Test
    void apiKeyOfAnotherTenantCannotLogUsersIn() {
        world.tenants.create(new Actor.Operator(), "other", "Other", Map.of());
        var otherKey = new Actor.ApiKey("other", "key_o", Set.of(Scope.SESSIONS));

        ProblemException e = catchThrowableOfType(ProblemException.class,
                () -> login.login(Optional.of(otherKey), new LoginRequest(TENANT, "alice", PASSWORD, DESK)));

        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo("forbidden");
    }

    @Test
    void apiKeyOfTheTenantLogsUsersIn() {
        var key = new Actor.ApiKey(TENANT, "key_s", Set.of(Scope.SESSIONS));
        LoginResult result = login.login(Optional.of(key), new LoginRequest(TENANT, "alice", PASSWORD, DESK));
        assertThat(result).isInstanceOf(LoginResult.Authenticated.class);
        assertThat(world.audit.recent(TENANT, "login.succeeded", 1).getFirst().actor()).isEqualTo("api_key:key_s");
    }
}
