package dev.ward.store.sql;

import static dev.ward.store.sql.StoreFixture.DESK;
import static dev.ward.store.sql.StoreFixture.SYSTEM_ADMIN;
import static dev.ward.store.sql.StoreFixture.invalid;
import static dev.ward.store.sql.StoreFixture.refusal;
import static dev.ward.store.sql.StoreFixture.validSession;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.access.Actor;
import dev.ward.access.Scope;
import dev.ward.audit.AuditEvent;
import dev.ward.problem.ProblemException;
import dev.ward.session.IssuedSession;
import dev.ward.session.Session;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A holder's own sessions (list, end one, end the others) and the administrators' view of sessions. */
class SessionSelfServiceTest extends StoreContract {
    private static final Actor ADMIN_A = new Actor.User("hosp-a", "usr_adm_a", "boss", Set.of("admin"), "ses_adm_a");
    private static final Actor ADMIN_B = new Actor.User("hosp-b", "usr_adm_b", "boss", Set.of("admin"), "ses_adm_b");
    private static final Actor PROVIDER_A = new Actor.User("hosp-a", "usr_doc", "doc", Set.of("provider"), "ses_doc");

    private StoreFixture w;

    @BeforeEach
    void setUp() {
        w = fixture("selfservice");
        w.tenant("hosp-a");
        w.tenant("hosp-b");
    }

    private IssuedSession open(String tenant, String user) {
        IssuedSession s = w.open(tenant, user);
        w.advance(1);
        return s;
    }

    private void assertLive(IssuedSession s) {
        validSession(w.sessions.validate(s.token(), DESK));
    }

    private void assertRevoked(IssuedSession s, String reason) {
        var v = invalid(w.sessions.validate(s.token(), DESK));
        assertThat(v.code()).isEqualTo("session_revoked");
        assertThat(v.reason()).contains(reason);
    }

    private static List<String> ids(List<Session> sessions) {
        return sessions.stream().map(Session::id).toList();
    }

    private static String id(IssuedSession s) {
        return s.session().id();
    }

    @Test
    void ownSessionsListsOnlyTheHoldersLiveSessionsOldestFirst() {
        IssuedSession phone = open("hosp-a", "usr_1");
        IssuedSession desk = open("hosp-a", "usr_1");
        IssuedSession ended = open("hosp-a", "usr_1");
        open("hosp-a", "usr_2");
        open("hosp-b", "usr_1");
        w.sessions.logout(ended.session());

        assertThat(ids(w.sessions.ownSessions(desk.session()))).containsExactly(id(phone), id(desk));
    }

    @Test
    void endOwnEndsAnotherSessionOfTheHolder() {
        IssuedSession phone = open("hosp-a", "usr_1");
        IssuedSession desk = open("hosp-a", "usr_1");

        w.sessions.endOwn(desk.session(), id(phone));

        assertRevoked(phone, "logout");
        assertLive(desk);
        AuditEvent e = w.auditOf("hosp-a", "session.revoked").getFirst();
        assertThat(e.sessionId()).isEqualTo(id(phone));
        assertThat(e.actor()).isEqualTo("user:usr_1");
    }

    @Test
    void endOwnOfSomeoneElsesSessionIsNotFoundAndLeavesItAlive() {
        IssuedSession mine = open("hosp-a", "usr_1");
        IssuedSession colleagues = open("hosp-a", "usr_2");
        IssuedSession sameIdOtherTenant = open("hosp-b", "usr_1");

        for (IssuedSession target : List.of(colleagues, sameIdOtherTenant)) {
            ProblemException e = refusal(() -> w.sessions.endOwn(mine.session(), id(target)));
            assertThat(e.code()).isEqualTo("session_not_found");
            assertThat(e.status()).isEqualTo(404);
            assertLive(target);
        }
        assertThat(w.auditOf(null, "session.revoked")).isEmpty();
    }

    @Test
    void endOwnOfAnUnknownOrEndedSessionIsNotFound() {
        IssuedSession mine = open("hosp-a", "usr_1");
        IssuedSession ended = open("hosp-a", "usr_1");
        w.sessions.logout(ended.session());

        ProblemException unknown = refusal(() -> w.sessions.endOwn(mine.session(), "ses_000000000000000000000000"));
        ProblemException gone = refusal(() -> w.sessions.endOwn(mine.session(), id(ended)));

        assertThat(unknown.code()).isEqualTo(gone.code()).isEqualTo("session_not_found");
        assertThat(unknown.detail()).isEqualTo(gone.detail());
    }

    @Test
    void endOthersKeepsTheCurrentSessionAndEndsTheRest() {
        IssuedSession phone = open("hosp-a", "usr_1");
        IssuedSession tablet = open("hosp-a", "usr_1");
        IssuedSession desk = open("hosp-a", "usr_1");
        IssuedSession colleague = open("hosp-a", "usr_2");

        assertThat(w.sessions.endOthers(desk.session())).isEqualTo(2);

        assertLive(desk);
        assertLive(colleague);
        assertRevoked(phone, "logout");
        assertRevoked(tablet, "logout");
        assertThat(w.auditOf("hosp-a", "session.revoked")).hasSize(2).allSatisfy(e -> assertThat(e.details())
                .containsEntry("reason", "logout").containsEntry("by_session", id(desk)));
        assertThat(w.sessions.endOthers(desk.session())).isZero();
    }

    @Test
    void tenantAdminListsAndEndsSessionsOfItsTenant() {
        IssuedSession a1 = open("hosp-a", "usr_1");
        IssuedSession a2 = open("hosp-a", "usr_2");
        open("hosp-b", "usr_1");

        assertThat(ids(w.sessions.adminList(ADMIN_A, "hosp-a", null, 100))).containsExactly(id(a1), id(a2));
        assertThat(ids(w.sessions.adminList(ADMIN_A, null, null, 100))).containsExactly(id(a1), id(a2));
        assertThat(ids(w.sessions.adminList(ADMIN_A, "hosp-a", "usr_2", 100))).containsExactly(id(a2));

        w.sessions.adminEnd(ADMIN_A, id(a1));

        assertRevoked(a1, "admin");
        assertThat(ids(w.sessions.adminList(ADMIN_A, "hosp-a", null, 100))).containsExactly(id(a2));
    }

    @Test
    void adminOfAnotherTenantIsForbiddenToListAndTheAttemptIsAudited() {
        open("hosp-a", "usr_1");

        assertThat(refusal(() -> w.sessions.adminList(ADMIN_B, "hosp-a", null, 100)).code()).isEqualTo("forbidden");
        assertThat(refusal(() -> w.sessions.adminList(ADMIN_B, "hosp-a", "usr_1", 100)).code()).isEqualTo("forbidden");

        assertThat(w.auditOf("hosp-b", "security.cross_tenant_denied")).hasSize(2)
                .allSatisfy(e -> assertThat(e.details()).containsEntry("target_tenant", "hosp-a"));
        assertThat(ids(w.sessions.adminList(ADMIN_B, null, null, 100))).isEmpty();
    }

    @Test
    void adminOfAnotherTenantCannotEndItsSessionNorTellItFromAnUnknownOne() {
        IssuedSession a1 = open("hosp-a", "usr_1");

        ProblemException foreign = refusal(() -> w.sessions.adminEnd(ADMIN_B, id(a1)));
        ProblemException unknown = refusal(() -> w.sessions.adminEnd(ADMIN_B, "ses_000000000000000000000000"));

        assertThat(foreign.code()).isEqualTo(unknown.code()).isEqualTo("session_not_found");
        assertThat(foreign.status()).isEqualTo(unknown.status()).isEqualTo(404);
        assertThat(foreign.detail()).isEqualTo(unknown.detail());
        assertLive(a1);
        assertThat(w.auditOf("hosp-b", "security.cross_tenant_denied")).singleElement().satisfies(e -> {
            assertThat(e.actor()).isEqualTo("user:usr_adm_b");
            assertThat(e.details()).containsEntry("target_tenant", "hosp-a");
        });
        assertThat(w.auditOf(null, "session.revoked")).isEmpty();
    }

    @Test
    void nonAdministratorCannotTellAnExistingSessionOfAnotherTenantFromAnUnknownOne() {
        IssuedSession b1 = open("hosp-b", "usr_1");
        Actor sessionsKeyOfA = new Actor.ApiKey("hosp-a", "key_s", Set.of(Scope.SESSIONS));

        for (Actor prober : List.of(PROVIDER_A, sessionsKeyOfA)) {
            ProblemException existing = refusal(() -> w.sessions.adminEnd(prober, id(b1)));
            ProblemException unknown = refusal(() -> w.sessions.adminEnd(prober, "ses_000000000000000000000000"));
            assertThat(existing.code()).as("%s probing an existing session of another tenant", prober.auditName())
                    .isEqualTo(unknown.code());
            assertThat(existing.status()).isEqualTo(unknown.status());
        }
        assertLive(b1);
    }

    @Test
    void nonAdministratorIsForbiddenInItsOwnTenant() {
        IssuedSession a1 = open("hosp-a", "usr_1");

        assertThat(refusal(() -> w.sessions.adminList(PROVIDER_A, "hosp-a", null, 100)).code()).isEqualTo("forbidden");
        assertThat(refusal(() -> w.sessions.adminList(PROVIDER_A, null, null, 100)).code()).isEqualTo("forbidden");
        assertThat(refusal(() -> w.sessions.adminEnd(PROVIDER_A, id(a1))).code()).isEqualTo("forbidden");
        Actor sessionsKey = new Actor.ApiKey("hosp-a", "key_s", Set.of(Scope.SESSIONS));
        assertThat(refusal(() -> w.sessions.adminEnd(sessionsKey, id(a1))).code()).isEqualTo("insufficient_scope");
        assertLive(a1);
    }

    @Test
    void systemAdministratorListsEveryTenant() {
        IssuedSession a1 = open("hosp-a", "usr_1");
        IssuedSession b1 = open("hosp-b", "usr_1");

        assertThat(ids(w.sessions.adminList(SYSTEM_ADMIN, null, null, 100))).containsExactly(id(a1), id(b1));
        assertThat(refusal(() -> w.sessions.adminList(SYSTEM_ADMIN, null, "usr_1", 100)).code()).isEqualTo("validation_failed");

        w.sessions.adminEnd(SYSTEM_ADMIN, id(b1));
        assertRevoked(b1, "admin");
    }

    @Test
    void adminEndOfAnEndedOrUnknownSessionIsNotFound() {
        IssuedSession a1 = open("hosp-a", "usr_1");
        w.sessions.logout(a1.session());

        assertThat(refusal(() -> w.sessions.adminEnd(ADMIN_A, id(a1))).code()).isEqualTo("session_not_found");
        assertThat(refusal(() -> w.sessions.adminEnd(ADMIN_A, "ses_000000000000000000000000")).code())
                .isEqualTo("session_not_found");
        assertRevoked(a1, "logout");
    }
}
