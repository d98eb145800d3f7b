package dev.ward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ward.access.Actor;
import dev.ward.access.Scope;
import dev.ward.audit.AuditEvent;
import dev.ward.audit.AuditTrail;
import dev.ward.crypto.Secrets;
import dev.ward.problem.ProblemException;
import dev.ward.session.Client;
import dev.ward.session.EarlierTokens;
import dev.ward.session.IssuedSession;
import dev.ward.session.Opening;
import dev.ward.session.Session;
import dev.ward.session.SessionRoute;
import dev.ward.session.SessionService;
import dev.ward.session.SessionStore;
import dev.ward.session.Validation;
import dev.ward.tenant.Policy;
import dev.ward.testing.MutableClock;
import dev.ward.user.UserService;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SessionStoreTest extends StoreContract {
    private static final Client CLIENT = new Client("192.0.2.10", "Mozilla/5.0 (ward)");
    private static final Duration IDLE = Duration.ofSeconds(600);
    private static final Duration ABSOLUTE = Duration.ofSeconds(3600);
    private static final Policy POLICY = Policy.defaults().merge(Map.of("session",
            Map.of("idle_timeout_seconds", (int) IDLE.toSeconds(), "absolute_timeout_seconds", (int) ABSOLUTE.toSeconds())));

    private StoreFixture w;
    private MutableClock clock;
    private AuditTrail audit;
    private SessionStore store;
    private SessionService sessions;
    private UserService users;

    @BeforeEach
    void setUp() {
        w = fixture("sessions");
        clock = w.clock;
        audit = w.audit;
        store = w.sessionStore;
        sessions = w.sessions;
        users = w.users;
        // Rotation is pinned by SessionRotationTest; here it must not replace the tokens under test.
        Map<String, Object> session = Map.of("idle_timeout_seconds", (int) IDLE.toSeconds(),
                "absolute_timeout_seconds", (int) ABSOLUTE.toSeconds(), "rotate_after_seconds", 86_400);
        w.tenant("hosp-a", session);
        w.tenant("hosp-b", session);
    }

    private IssuedSession open(String tenant, String userId) {
        return opened(sessions.open(tenant, userId, "user-" + userId, List.of("staff"), 1, POLICY, CLIENT, o -> { }));
    }

    private IssuedSession open() {
        return open("hosp-a", "usr_1");
    }

    private static IssuedSession opened(Opening o) {
        assertThat(o).isInstanceOf(Opening.Opened.class);
        return ((Opening.Opened) o).issued();
    }

    private Validation validate(String token) {
        return sessions.validate(token, CLIENT);
    }

    private static Session valid(Validation v) {
        assertThat(v).isInstanceOf(Validation.Valid.class);
        return ((Validation.Valid) v).session();
    }

    private static Validation.Invalid invalid(Validation v) {
        assertThat(v).isInstanceOf(Validation.Invalid.class);
        return (Validation.Invalid) v;
    }

    private static String invalidCode(Validation v) {
        return invalid(v).code();
    }

    @Test
    void openedSessionCarriesItsTimeouts() {
        Instant t0 = clock.instant();
        Session s = open().session();

        assertThat(s.createdAt()).isEqualTo(t0);
        assertThat(s.lastSeenAt()).isEqualTo(t0);
        assertThat(s.idleExpiresAt()).isEqualTo(t0.plus(IDLE));
        assertThat(s.absoluteExpiresAt()).isEqualTo(t0.plus(ABSOLUTE));
        assertThat(s.uses()).isZero();
        assertThat(s.revoked()).isFalse();
    }

    @Test
    void validationCountsUsesAndSlidesTheIdleExpiry() {
        Instant t0 = clock.instant();
        IssuedSession issued = open();

        clock.advance(Duration.ofSeconds(100));
        Session first = valid(validate(issued.token()));
        assertThat(first.uses()).isEqualTo(1);
        assertThat(first.lastSeenAt()).isEqualTo(t0.plusSeconds(100));
        assertThat(first.idleExpiresAt()).isEqualTo(t0.plusSeconds(100).plus(IDLE));
        assertThat(first.absoluteExpiresAt()).isEqualTo(t0.plus(ABSOLUTE));

        clock.advance(Duration.ofSeconds(50));
        Session second = valid(validate(issued.token()));
        assertThat(second.uses()).isEqualTo(2);
        assertThat(second.idleExpiresAt()).isEqualTo(t0.plusSeconds(150).plus(IDLE));
        assertThat(second.id()).isEqualTo(issued.session().id());
    }

    @Test
    void activityKeepsASessionAliveBeyondOneIdlePeriod() {
        IssuedSession issued = open();
        for (int i = 0; i < 5; i++) {
            clock.advance(IDLE.minusSeconds(1));
            valid(validate(issued.token()));
        }
        assertThat(clock.instant()).isAfter(issued.session().idleExpiresAt());
    }

    @Test
    void idleExpiryNeverSlidesPastTheAbsoluteExpiry() {
        Instant t0 = clock.instant();
        IssuedSession issued = open();

        Session s = issued.session();
        while (clock.instant().isBefore(t0.plus(ABSOLUTE).minusSeconds(100))) {
            clock.advance(Duration.ofSeconds(500));
            s = valid(validate(issued.token()));
        }

        assertThat(clock.instant()).isEqualTo(t0.plus(ABSOLUTE).minusSeconds(100));
        assertThat(s.idleExpiresAt()).isEqualTo(t0.plus(ABSOLUTE));
    }

    @Test
    void idleTimeoutLongerThanTheLifetimeIsClippedAtOpen() {
        Policy odd = Policy.defaults().merge(Map.of("session", Map.of("idle_timeout_seconds", 1800, "absolute_timeout_seconds", 600)));
        Session s = opened(sessions.open("hosp-a", "usr_1", "u", List.of(), 1, odd, CLIENT, o -> { })).session();
        assertThat(s.idleExpiresAt()).isEqualTo(s.absoluteExpiresAt()).isEqualTo(clock.instant().plusSeconds(600));
    }

    @Test
    void idleSessionExpires() {
        IssuedSession issued = open();

        clock.advance(IDLE);

        assertThat(invalidCode(validate(issued.token()))).isEqualTo("session_expired");
    }

    @Test
    void idleSessionIsAliveOneSecondBeforeItsExpiry() {
        IssuedSession issued = open();
        clock.advance(IDLE.minusSeconds(1));
        valid(validate(issued.token()));
    }

    @Test
    void expiredSessionStaysExpiredAndIsNotCounted() {
        IssuedSession issued = open();
        clock.advance(IDLE.plusSeconds(1));
        validate(issued.token());
        clock.advance(Duration.ofSeconds(1));

        assertThat(invalidCode(validate(issued.token()))).isEqualTo("session_expired");
        assertThat(store.live("hosp-a", "usr_1", clock.instant(), 100)).isEmpty();
    }

    @Test
    void absoluteLifetimeEndsTheSessionEvenWithActivity() {
        Instant t0 = clock.instant();
        IssuedSession issued = open();
        while (clock.instant().plusSeconds(500).isBefore(t0.plus(ABSOLUTE))) {
            clock.advance(Duration.ofSeconds(500));
            valid(validate(issued.token()));
        }

        clock.set(t0.plus(ABSOLUTE));

        assertThat(invalidCode(validate(issued.token()))).isEqualTo("session_expired");
    }

    @Test
    void logoutRevokesTheSession() {
        IssuedSession issued = open();

        sessions.logout(issued.session());

        assertThat(invalidCode(validate(issued.token()))).isEqualTo("session_revoked");
        AuditEvent revoked = audit.recent("hosp-a", "session.revoked", 1).getFirst();
        assertThat(revoked.sessionId()).isEqualTo(issued.session().id());
        assertThat(revoked.details()).containsEntry("reason", "logout");
    }

    @Test
    void secondLogoutIsHarmlessAndNotAuditedTwice() {
        IssuedSession issued = open();
        sessions.logout(issued.session());
        sessions.logout(issued.session());

        assertThat(invalidCode(validate(issued.token()))).isEqualTo("session_revoked");
        assertThat(audit.recent("hosp-a", "session.revoked", 10)).hasSize(1);
    }

    @Test
    void logoutEndsOnlyThatSession() {
        IssuedSession phone = open();
        IssuedSession desk = open();
        sessions.logout(phone.session());
        valid(validate(desk.token()));
    }

    @Test
    void revokedSessionThatAlsoExpiredReadsAsRevoked() {
        IssuedSession issued = open();
        sessions.logout(issued.session());
        clock.advance(ABSOLUTE.plusSeconds(1));
        assertThat(invalidCode(validate(issued.token()))).isEqualTo("session_revoked");
    }

    @Test
    void garbageAndUnknownTokensAreInvalid() {
        open();
        for (String token : Arrays.asList(null, "", "garbage", "wst_", "wst_short", "Bearer wst_x",
                Secrets.newToken("wak_", 32), Secrets.newToken("wst_", 32), Secrets.newToken("wst_", 34),
                SessionRoute.newToken(SessionRoute.newSessionId(SessionRoute.of("hosp-a", "usr_1"))),
                EarlierTokens.mint(SessionRoute.of("hosp-a", "usr_1")), SessionRoute.newToken(SessionRoute.newSessionId(0)) + "x",
                "wst_" + "_".repeat(46), "wst_" + "_".repeat(62),
                Secrets.newToken("wst_", 32).replace("wst_", "WST_"), "wst_" + "=".repeat(43))) {
            assertThat(invalidCode(validate(token))).as("token %s", token).isEqualTo("session_invalid");
        }
    }

    /**
     * A token names its session (decision 0040), and session ids are no secret: one with a live session's id and a
     * secret of one's own is invalid like any unknown token, says nothing of the session and is no use of it.
     */
    @Test
    void aTokenWithALiveSessionsIdButAnotherSecretIsInvalid() {
        IssuedSession issued = open();
        String forged = SessionRoute.newToken(issued.session().id());
        assertThat(invalidCode(validate(forged))).isEqualTo("session_invalid");
        assertThat(sessions.tenantOf(forged)).isEmpty();
        assertThat(valid(validate(issued.token())).uses()).isEqualTo(1);

        sessions.logout(store.findById(issued.session().id()).orElseThrow());
        assertThat(invalidCode(validate(issued.token()))).isEqualTo("session_revoked");
        assertThat(invalidCode(validate(forged))).as("not even that it ended").isEqualTo("session_invalid");
    }

    @Test
    void assuranceLevelIsRaisedOnlyOnALiveSession() {
        IssuedSession issued = open();
        String id = issued.session().id();

        assertThat(store.setAal(id, 2, clock.instant())).isTrue();
        assertThat(valid(validate(issued.token())).aal()).isEqualTo(2);

        sessions.logout(store.findById(id).orElseThrow());
        assertThat(store.setAal(id, 1, clock.instant())).isFalse();
        assertThat(store.findById(id).orElseThrow().aal()).isEqualTo(2);
        assertThat(store.setAal("ses_nonexistent", 2, clock.instant())).isFalse();
    }

    @Test
    void sessionIdIsNotAToken() {
        IssuedSession issued = open();
        assertThat(invalidCode(validate(issued.session().id()))).isEqualTo("session_invalid");
    }

    @Test
    void tokenIsStoredOnlyAsItsHash() {
        IssuedSession issued = open();

        List<String> stored = w.stores.dumpSessions();

        assertThat(w.stores.storedTokenHash(issued.session().id())).isEqualTo(Secrets.sha256Hex(issued.token()));
        // The random part (after the session id's 14 bytes, the first 19 characters) appears nowhere: not in a column, a
        // key or a value (a store may keep the hash in hex or raw).
        assertThat(stored).noneSatisfy(v -> assertThat(v).contains(issued.token().substring(4 + 19)));
        assertThat(stored).noneSatisfy(v -> assertThat(v).contains(issued.token().substring(4 + 19 + 21)));
    }

    @Test
    void apiKeyOfAnotherTenantGetsTenantMismatch() {
        IssuedSession issued = open("hosp-a", "usr_1");
        var keyOfB = new Actor.ApiKey("hosp-b", "key_b", Set.of(Scope.SESSIONS));

        assertThat(invalidCode(sessions.validateFor(keyOfB, issued.token(), Optional.empty()))).isEqualTo("session_tenant_mismatch");
    }

    @Test
    void tenantMismatchIsNotCountedAsAUse() {
        IssuedSession issued = open("hosp-a", "usr_1");
        sessions.validateFor(new Actor.ApiKey("hosp-b", "key_b", Set.of(Scope.SESSIONS)), issued.token(), Optional.empty());

        Session s = valid(sessions.validateFor(new Actor.ApiKey("hosp-a", "key_a", Set.of(Scope.SESSIONS)), issued.token(), Optional.empty()));
        assertThat(s.uses()).isEqualTo(1);
    }

    @Test
    void apiKeyOfTheSessionsTenantValidatesIt() {
        IssuedSession issued = open("hosp-a", "usr_1");
        Session s = valid(sessions.validateFor(new Actor.ApiKey("hosp-a", "key_a", Set.of(Scope.SESSIONS)), issued.token(), Optional.empty()));
        assertThat(s.tenant()).isEqualTo("hosp-a");
    }

    @Test
    void validationByApiKeyNeedsTheSessionsScope() {
        IssuedSession issued = open("hosp-a", "usr_1");
        ProblemException e = catchThrowableOfType(ProblemException.class,
                () -> sessions.validateFor(new Actor.ApiKey("hosp-a", "key_a", Set.of(Scope.CRYPTO)), issued.token(), Optional.empty()));
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo("insufficient_scope");
    }

    @Test
    void disablingAUserRevokesTheirSessions() {
        String alice = users.create(new Actor.Operator(), "hosp-a", "alice", "Correct-Horse-9!", List.of("staff")).user().id();
        String bob = users.create(new Actor.Operator(), "hosp-a", "bob", "Battery-Staple-7?", List.of("staff")).user().id();
        IssuedSession alicePhone = open("hosp-a", alice);
        IssuedSession aliceDesk = open("hosp-a", alice);
        IssuedSession bobDesk = open("hosp-a", bob);

        users.disable(new Actor.Operator(), "hosp-a", alice);

        assertThat(invalidCode(validate(alicePhone.token()))).isEqualTo("session_revoked");
        assertThat(invalidCode(validate(aliceDesk.token()))).isEqualTo("session_revoked");
        valid(validate(bobDesk.token()));
        assertThat(invalid(validate(alicePhone.token())).reason()).contains("user_disabled");
        assertThat(audit.recent("hosp-a", "session.revoked", 10)).hasSize(2).allSatisfy(e -> {
            assertThat(e.userId()).isEqualTo(alice);
            assertThat(e.actor()).isEqualTo("operator");
            assertThat(e.details()).containsEntry("reason", "user_disabled");
        }).extracting(AuditEvent::sessionId).containsExactlyInAnyOrder(alicePhone.session().id(), aliceDesk.session().id());
    }

    @Test
    void roleChangeReachesLiveSessions() {
        String alice = users.create(new Actor.Operator(), "hosp-a", "alice", "Correct-Horse-9!", List.of("staff")).user().id();
        IssuedSession issued = open("hosp-a", alice);

        users.setRoles(new Actor.Operator(), "hosp-a", alice, List.of("nurse", "staff"));

        Validation v = validate(issued.token());
        assertThat(valid(v).roles()).containsExactly("nurse", "staff");
        assertThat(((Validation.Valid) v).rotatedToken()).as("a privilege change asks for a new token").isPresent();
    }

    @Test
    void liveSessionsOfAUserAreListedOldestFirst() {
        IssuedSession first = open("hosp-a", "usr_1");
        clock.advance(Duration.ofSeconds(1));
        IssuedSession second = open("hosp-a", "usr_1");
        clock.advance(Duration.ofSeconds(1));
        IssuedSession third = open("hosp-a", "usr_1");
        open("hosp-b", "usr_1");
        sessions.logout(second.session());

        assertThat(store.live("hosp-a", "usr_1", clock.instant(), 100)).extracting(Session::id)
                .containsExactly(first.session().id(), third.session().id());
    }

    @Test
    void endAllOfUserLeavesOtherTenantsAlone() {
        IssuedSession inA = open("hosp-a", "usr_1");
        IssuedSession inB = open("hosp-b", "usr_1");

        assertThat(sessions.endAllOfUser("hosp-a", "usr_1", "admin", new Actor.Operator())).isEqualTo(1);

        assertThat(invalidCode(validate(inA.token()))).isEqualTo("session_revoked");
        valid(validate(inB.token()));
    }

    @Test
    void sessionCreationIsAuditedWithoutTheToken() {
        IssuedSession issued = open();
        AuditEvent created = audit.recent("hosp-a", "session.created", 1).getFirst();
        assertThat(created.sessionId()).isEqualTo(issued.session().id());
        assertThat(created.ip()).isEqualTo(CLIENT.ip());
        assertThat(created.toString()).doesNotContain(issued.token());
        assertThat(issued.toString()).doesNotContain(issued.token());
    }
}
