package dev.ward.store.sql;

import static dev.ward.store.sql.StoreFixture.invalid;
import static dev.ward.store.sql.StoreFixture.validSession;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.audit.AuditEvent;
import dev.ward.auth.LoginRequest;
import dev.ward.auth.LoginResult;
import dev.ward.session.Client;
import dev.ward.session.IssuedSession;
import dev.ward.session.Session;
import dev.ward.session.Validation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The per-user concurrent-session limit, enforced atomically by the store under parallel logins. */
class SessionLimitTest extends StoreContract {
    private static final String TENANT = "hosp-a";
    private static final String PASSWORD = "Correct-Horse-9!";
    private static final int PARALLEL = 8;

    private StoreFixture w;
    private String alice;

    @BeforeEach
    void setUp() {
        w = fixture("limit");
        w.tenant(TENANT, Map.of("max_concurrent", 2, "on_limit", "reject"));
        alice = w.user(TENANT, "alice", PASSWORD, List.of("staff"));
    }

    private List<Session> liveOfAlice() {
        return w.sessionStore.live(TENANT, alice, w.clock.instant(), 100);
    }

    private LoginResult login() {
        return w.loginAs(TENANT, "alice", PASSWORD);
    }

    private static IssuedSession issued(LoginResult r) {
        assertThat(r).isInstanceOf(LoginResult.Authenticated.class);
        return ((LoginResult.Authenticated) r).issued();
    }

    /** Eight logins of the same user released together by a start gate. */
    private List<LoginResult> parallelLogins() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        CountDownLatch ready = new CountDownLatch(PARALLEL);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<LoginResult>> futures = new ArrayList<>();
            for (int i = 0; i < PARALLEL; i++) {
                Client client = new Client("198.51.100." + (i + 1), "device/" + i);
                futures.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return w.login.login(Optional.empty(), new LoginRequest(TENANT, "alice", PASSWORD, client));
                }));
            }
            assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
            go.countDown();
            List<LoginResult> results = new ArrayList<>();
            for (Future<LoginResult> f : futures) {
                results.add(f.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void parallelLoginsUnderRejectYieldExactlyTheLimit() throws Exception {
        List<LoginResult> results = parallelLogins();

        assertThat(results).filteredOn(r -> r instanceof LoginResult.Authenticated).hasSize(2);
        assertThat(results).filteredOn(r -> r instanceof LoginResult.SessionLimitReached).hasSize(PARALLEL - 2)
                .allSatisfy(r -> assertThat(((LoginResult.SessionLimitReached) r).limit()).isEqualTo(2));
        assertThat(liveOfAlice()).hasSize(2);
        assertThat(w.sessionCount()).isEqualTo(2);
        assertThat(w.auditOf(TENANT, "session.limit_reached")).hasSize(PARALLEL - 2);
        assertThat(w.auditOf(TENANT, "session.created")).hasSize(2);
    }

    @Test
    void parallelLoginsUnderEvictOldestAllSucceedAndLeaveTheLimitLive() throws Exception {
        w.sessionPolicy(TENANT, Map.of("on_limit", "evict_oldest"));

        List<LoginResult> results = parallelLogins();

        assertThat(results).allSatisfy(r -> assertThat(r).isInstanceOf(LoginResult.Authenticated.class));
        List<IssuedSession> all = results.stream().map(SessionLimitTest::issued).toList();
        List<Session> live = liveOfAlice();
        assertThat(live).hasSize(2);
        List<String> liveIds = live.stream().map(Session::id).toList();
        List<IssuedSession> evicted = all.stream().filter(s -> !liveIds.contains(s.session().id())).toList();
        assertThat(evicted).hasSize(PARALLEL - 2);
        for (IssuedSession s : evicted) {
            Validation.Invalid v = invalid(w.sessions.validate(s.token(), s.session().client()));
            assertThat(v.code()).isEqualTo("session_revoked");
            assertThat(v.reason()).contains("evicted");
        }
        for (IssuedSession s : all) {
            if (liveIds.contains(s.session().id())) {
                validSession(w.sessions.validate(s.token(), s.session().client()));
            }
        }
        List<AuditEvent> revoked = w.auditOf(TENANT, "session.revoked");
        assertThat(revoked).hasSize(PARALLEL - 2).allSatisfy(e -> assertThat(e.details()).containsEntry("reason", "evicted"));
        assertThat(revoked).extracting(AuditEvent::sessionId)
                .containsExactlyInAnyOrderElementsOf(evicted.stream().map(s -> s.session().id()).toList());
    }

    @Test
    void loginBeyondTheLimitUnderRejectIsRefusedAndRecorded() {
        issued(login());
        issued(login());

        assertThat(login()).isEqualTo(new LoginResult.SessionLimitReached(2));

        assertThat(w.history.recent(TENANT, "alice", 1).getFirst().failureReason()).isEqualTo("session_limit");
        AuditEvent refused = w.auditOf(TENANT, "session.limit_reached").getFirst();
        assertThat(refused.outcome()).isEqualTo("denied");
        assertThat(refused.userId()).isEqualTo(alice);
        assertThat(refused.details()).containsEntry("limit", 2);
        assertThat(liveOfAlice()).hasSize(2);
    }

    @Test
    void endingASessionMakesRoomUnderReject() {
        IssuedSession first = issued(login());
        issued(login());
        w.sessions.logout(first.session());

        issued(login());

        assertThat(liveOfAlice()).hasSize(2);
    }

    @Test
    void expiredSessionsDoNotCountTowardTheLimit() {
        issued(login());
        issued(login());
        w.advance(w.policy(TENANT).idleTimeout().toSeconds());

        issued(login());
        issued(login());

        assertThat(liveOfAlice()).hasSize(2);
    }

    @Test
    void evictOldestRevokesTheOldestSession() {
        w.sessionPolicy(TENANT, Map.of("on_limit", "evict_oldest"));
        IssuedSession oldest = issued(login());
        w.advance(10);
        IssuedSession middle = issued(login());
        w.advance(10);
        IssuedSession newest = issued(login());

        assertThat(invalid(w.sessions.validate(oldest.token(), StoreFixture.DESK)).reason()).contains("evicted");
        assertThat(liveOfAlice()).extracting(Session::id).containsExactly(middle.session().id(), newest.session().id());
    }

    @Test
    void loweredLimitEvictsAsManyOldSessionsAsNeeded() {
        w.sessionPolicy(TENANT, Map.of("max_concurrent", 3, "on_limit", "evict_oldest"));
        for (int i = 0; i < 3; i++) {
            issued(login());
            w.advance(1);
        }
        w.sessionPolicy(TENANT, Map.of("max_concurrent", 1));

        IssuedSession newest = issued(login());

        assertThat(liveOfAlice()).extracting(Session::id).containsExactly(newest.session().id());
        assertThat(w.auditOf(TENANT, "session.revoked")).hasSize(3);
    }

    @Test
    void limitIsPerUser() {
        w.user(TENANT, "bob", "Battery-Staple-7?", List.of("staff"));
        issued(login());
        issued(login());

        issued(w.loginAs(TENANT, "bob", "Battery-Staple-7?"));
    }
}
