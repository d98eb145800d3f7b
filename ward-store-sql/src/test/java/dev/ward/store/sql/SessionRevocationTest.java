package dev.ward.store.sql;

import static dev.ward.store.sql.StoreFixture.OPERATOR;
import static dev.ward.store.sql.StoreFixture.holder;
import static dev.ward.store.sql.StoreFixture.invalid;
import static dev.ward.store.sql.StoreFixture.sessionsKey;
import static dev.ward.store.sql.StoreFixture.validSession;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.access.Actor;
import dev.ward.audit.AuditEvent;
import dev.ward.session.Client;
import dev.ward.session.IssuedSession;
import dev.ward.session.Validation;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every way a session is ended answers {@code session_revoked} with the recorded reason, and is audited. */
class SessionRevocationTest extends StoreContract {
    private static final String TENANT = "hosp-a";
    private static final String PASSWORD = "Correct-Horse-9!";
    private static final Actor ADMIN_A = new Actor.User(TENANT, "usr_adm_a", "boss", Set.of("admin"), "ses_adm");

    private StoreFixture w;
    private String alice;

    @BeforeEach
    void setUp() {
        w = fixture("revocation");
        w.tenant(TENANT);
        alice = w.user(TENANT, "alice", PASSWORD, List.of("staff"));
    }

    private Validation.Invalid refusedByApp(IssuedSession s) {
        return invalid(w.sessions.validateFor(sessionsKey(TENANT), s.token(), Optional.empty()));
    }

    private void assertRevokedWithReason(IssuedSession s, String reason) {
        Validation.Invalid byApp = refusedByApp(s);
        assertThat(byApp.code()).isEqualTo("session_revoked");
        assertThat(byApp.reason()).contains(reason);
        Validation.Invalid byHolder = invalid(w.sessions.validate(s.token(), StoreFixture.DESK));
        assertThat(byHolder.code()).isEqualTo("session_revoked");
        assertThat(byHolder.reason()).contains(reason);
        assertThat(w.sessionStore.findById(s.session().id()).orElseThrow().revokeReason()).isEqualTo(reason);
    }

    private AuditEvent revocationAuditOf(IssuedSession s) {
        return w.auditOf(TENANT, "session.revoked").stream().filter(e -> s.session().id().equals(e.sessionId()))
                .reduce((a, b) -> { throw new AssertionError("revocation audited twice: " + a + ", " + b); })
                .orElseThrow(() -> new AssertionError("revocation not audited"));
    }

    @Test
    void logoutAnswersRevokedWithReasonLogout() {
        IssuedSession s = w.open(TENANT, alice);

        w.sessions.logout(s.session());

        assertRevokedWithReason(s, "logout");
        AuditEvent e = revocationAuditOf(s);
        assertThat(e.details()).containsEntry("reason", "logout");
        assertThat(e.actor()).isEqualTo("user:" + alice);
        assertThat(e.userId()).isEqualTo(alice);
    }

    @Test
    void adminEndAnswersRevokedWithReasonAdmin() {
        IssuedSession s = w.open(TENANT, alice);

        w.sessions.adminEnd(ADMIN_A, s.session().id());

        assertRevokedWithReason(s, "admin");
        AuditEvent e = revocationAuditOf(s);
        assertThat(e.details()).containsEntry("reason", "admin");
        assertThat(e.actor()).isEqualTo("user:usr_adm_a");
    }

    @Test
    void evictionAnswersRevokedWithReasonEvicted() {
        w.sessionPolicy(TENANT, Map.of("max_concurrent", 1, "on_limit", "evict_oldest"));
        IssuedSession first = w.open(TENANT, alice);
        w.advance(1);
        IssuedSession second = w.open(TENANT, alice);

        assertRevokedWithReason(first, "evicted");
        validSession(w.sessions.validate(second.token(), StoreFixture.DESK));
        assertThat(revocationAuditOf(first).details()).containsEntry("reason", "evicted")
                .containsEntry("by_session", second.session().id());
    }

    @Test
    void strictBindingAnswersRevokedWithReasonBinding() {
        w.sessionPolicy(TENANT, Map.of("binding", "strict"));
        IssuedSession s = w.open(TENANT, alice);

        Validation.Invalid first = invalid(w.sessions.validateFor(sessionsKey(TENANT), s.token(),
                Optional.of(new Client("198.51.100.99", StoreFixture.DESK.userAgent()))));

        assertThat(first.code()).isEqualTo("session_revoked");
        assertThat(first.reason()).contains("binding");
        assertRevokedWithReason(s, "binding");
        assertThat(revocationAuditOf(s).details()).containsEntry("reason", "binding");
    }

    @Test
    void passwordChangeAnswersRevokedWithReasonPasswordChange() {
        IssuedSession s = w.open(TENANT, alice);

        w.users.changeOwnPassword(holder(s.session()), PASSWORD, "Battery-Staple-7?");

        assertRevokedWithReason(s, "password_change");
        assertThat(revocationAuditOf(s).details()).containsEntry("reason", "password_change");
    }

    @Test
    void disablingTheUserAnswersRevokedWithReasonUserDisabled() {
        IssuedSession s = w.open(TENANT, alice);

        w.users.disable(OPERATOR, TENANT, alice);

        assertRevokedWithReason(s, "user_disabled");
        AuditEvent e = revocationAuditOf(s);
        assertThat(e.details()).containsEntry("reason", "user_disabled");
        assertThat(e.actor()).isEqualTo("operator");
    }

    @Test
    void revokedSessionStaysRevokedAfterItWouldHaveExpired() {
        IssuedSession s = w.open(TENANT, alice);
        w.sessions.logout(s.session());

        w.advance(w.policy(TENANT).absoluteTimeout().toSeconds() + 1);

        assertRevokedWithReason(s, "logout");
    }

    @Test
    void revocationIsNotCountedAsAUse() {
        IssuedSession s = w.open(TENANT, alice);
        validSession(w.sessions.validate(s.token(), StoreFixture.DESK));
        w.sessions.logout(s.session());

        refusedByApp(s);

        assertThat(w.sessionStore.findById(s.session().id()).orElseThrow().uses()).isEqualTo(1);
    }

    @Test
    void revokedSessionOfAnotherTenantStillAnswersTenantMismatchToThatKey() {
        IssuedSession s = w.open(TENANT, alice);
        w.sessions.logout(s.session());

        assertThat(invalid(w.sessions.validateFor(sessionsKey("hosp-b"), s.token(), Optional.empty())).code())
                .isEqualTo("session_tenant_mismatch");
    }
}
