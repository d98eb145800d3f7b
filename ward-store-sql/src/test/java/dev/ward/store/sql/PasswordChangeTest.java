package dev.ward.store.sql;

import static dev.ward.store.sql.StoreFixture.DESK;
import static dev.ward.store.sql.StoreFixture.holder;
import static dev.ward.store.sql.StoreFixture.invalid;
import static dev.ward.store.sql.StoreFixture.refusal;
import static dev.ward.store.sql.StoreFixture.validSession;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.access.Actor;
import dev.ward.auth.LoginResult;
import dev.ward.problem.ProblemException;
import dev.ward.session.IssuedSession;
import dev.ward.user.UserStatus;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A password change, by the holder or by an administrator, ends every session of the user. */
class PasswordChangeTest extends StoreContract {
    private static final String TENANT = "hosp-a";
    private static final String PASSWORD = "Correct-Horse-9!";
    private static final String NEW_PASSWORD = "Battery-Staple-7?";
    private static final Actor ADMIN_A = new Actor.User(TENANT, "usr_adm_a", "boss", Set.of("admin"), "ses_adm");
    private static final Actor ADMIN_B = new Actor.User("hosp-b", "usr_adm_b", "boss", Set.of("admin"), "ses_adm_b");

    private StoreFixture w;
    private String alice;
    private String bob;

    @BeforeEach
    void setUp() {
        w = fixture("password");
        w.tenant(TENANT);
        w.tenant("hosp-b");
        alice = w.user(TENANT, "alice", PASSWORD, List.of("staff"));
        bob = w.user(TENANT, "bob", "Purple-Monkey-4$", List.of("staff"));
    }

    private IssuedSession loginAlice(String password) {
        LoginResult r = w.loginAs(TENANT, "alice", password);
        assertThat(r).isInstanceOf(LoginResult.Authenticated.class);
        return ((LoginResult.Authenticated) r).issued();
    }

    private void assertRevokedForPasswordChange(IssuedSession s) {
        var v = invalid(w.sessions.validate(s.token(), DESK));
        assertThat(v.code()).isEqualTo("session_revoked");
        assertThat(v.reason()).contains("password_change");
    }

    @Test
    void changingOwnPasswordEndsEverySessionOfTheUserThisOneIncluded() {
        IssuedSession current = loginAlice(PASSWORD);
        IssuedSession phone = loginAlice(PASSWORD);
        IssuedSession bobs = w.open(TENANT, bob);

        w.users.changeOwnPassword(holder(current.session()), PASSWORD, NEW_PASSWORD);

        assertRevokedForPasswordChange(current);
        assertRevokedForPasswordChange(phone);
        validSession(w.sessions.validate(bobs.token(), DESK));
        assertThat(w.auditOf(TENANT, "session.revoked")).hasSize(2).allSatisfy(e -> {
            assertThat(e.details()).containsEntry("reason", "password_change");
            assertThat(e.userId()).isEqualTo(alice);
            assertThat(e.actor()).isEqualTo("user:" + alice);
        });
        assertThat(w.auditOf(TENANT, "account.password_changed")).singleElement()
                .satisfies(e -> assertThat(e.userId()).isEqualTo(alice));
    }

    @Test
    void newPasswordLogsInAndTheOldOneNoLonger() {
        IssuedSession current = loginAlice(PASSWORD);

        w.users.changeOwnPassword(holder(current.session()), PASSWORD, NEW_PASSWORD);

        assertThat(w.loginAs(TENANT, "alice", PASSWORD)).isEqualTo(new LoginResult.Rejected("wrong_password"));
        loginAlice(NEW_PASSWORD);
    }

    @Test
    void wrongCurrentPasswordIsRefusedAndChangesNothing() {
        IssuedSession current = loginAlice(PASSWORD);

        ProblemException e = refusal(() -> w.users.changeOwnPassword(holder(current.session()), "Wrong-Horse-9!", NEW_PASSWORD));

        assertThat(e.code()).isEqualTo("current_password_incorrect");
        assertThat(e.status()).isEqualTo(403);
        assertThat(e.detail()).doesNotContain("Wrong-Horse-9!").doesNotContain(NEW_PASSWORD);
        validSession(w.sessions.validate(current.token(), DESK));
        loginAlice(PASSWORD);
        assertThat(w.auditOf(TENANT, "account.password_change_failed")).singleElement()
                .satisfies(ev -> assertThat(ev.outcome()).isEqualTo("failure"));
    }

    @Test
    void wrongCurrentPasswordCountsTowardTheLockout() {
        w.tenants.updatePolicy(StoreFixture.OPERATOR, TENANT, Map.of("login", Map.of("max_failures", 3, "lockout_seconds", 60)));
        IssuedSession current = loginAlice(PASSWORD);
        Actor.User holder = holder(current.session());

        refusal(() -> w.users.changeOwnPassword(holder, "Wrong-Horse-9!", NEW_PASSWORD));
        assertThat(w.lockouts.get(TENANT, alice).failures()).isEqualTo(1);
        refusal(() -> w.users.changeOwnPassword(holder, "Wrong-Horse-9!", NEW_PASSWORD));
        refusal(() -> w.users.changeOwnPassword(holder, "Wrong-Horse-9!", NEW_PASSWORD));

        assertThat(w.users.get(StoreFixture.OPERATOR, TENANT, alice).status()).isEqualTo(UserStatus.LOCKED);
        assertThat(w.loginAs(TENANT, "alice", PASSWORD)).isEqualTo(new LoginResult.Rejected("locked"));
        assertThat(w.auditOf(TENANT, "account.locked")).hasSize(1);
    }

    @Test
    void lockedAccountCannotChangeItsPasswordEvenWithTheRightCurrentOne() {
        // Otherwise a stolen session could guess the current password without limit and take the account over:
        // the failures lock the login, but the lock must also stop this second way of checking a password.
        w.tenants.updatePolicy(StoreFixture.OPERATOR, TENANT, Map.of("login", Map.of("max_failures", 3, "lockout_seconds", 60)));
        IssuedSession stolen = loginAlice(PASSWORD);
        Actor.User holder = holder(stolen.session());
        for (int i = 0; i < 3; i++) {
            refusal(() -> w.users.changeOwnPassword(holder, "Wrong-Horse-9!", NEW_PASSWORD));
        }
        assertThat(w.users.get(StoreFixture.OPERATOR, TENANT, alice).status()).isEqualTo(UserStatus.LOCKED);

        refusal(() -> w.users.changeOwnPassword(holder, PASSWORD, NEW_PASSWORD));

        w.advance(61);
        assertThat(w.loginAs(TENANT, "alice", NEW_PASSWORD)).isEqualTo(new LoginResult.Rejected("wrong_password"));
    }

    @Test
    void weakNewPasswordIsRefusedAndSessionsStay() {
        IssuedSession current = loginAlice(PASSWORD);

        ProblemException e = refusal(() -> w.users.changeOwnPassword(holder(current.session()), PASSWORD, "alice"));

        assertThat(e.code()).isEqualTo("weak_password");
        assertThat(e.status()).isEqualTo(422);
        validSession(w.sessions.validate(current.token(), DESK));
        loginAlice(PASSWORD);
        assertThat(w.auditOf(TENANT, "session.revoked")).isEmpty();
    }

    @Test
    void adminSettingAPasswordEndsTheUsersSessions() {
        IssuedSession desk = loginAlice(PASSWORD);
        IssuedSession phone = loginAlice(PASSWORD);

        w.users.setPassword(ADMIN_A, TENANT, alice, NEW_PASSWORD);

        assertRevokedForPasswordChange(desk);
        assertRevokedForPasswordChange(phone);
        assertThat(w.auditOf(TENANT, "session.revoked")).hasSize(2)
                .allSatisfy(ev -> assertThat(ev.actor()).isEqualTo("user:usr_adm_a"));
        loginAlice(NEW_PASSWORD);
    }

    @Test
    void adminSettingAWeakPasswordIsRefused() {
        IssuedSession desk = loginAlice(PASSWORD);

        assertThat(refusal(() -> w.users.setPassword(ADMIN_A, TENANT, alice, "password")).code()).isEqualTo("weak_password");

        validSession(w.sessions.validate(desk.token(), DESK));
    }

    @Test
    void adminOfAnotherTenantCannotSetThePassword() {
        IssuedSession desk = loginAlice(PASSWORD);

        assertThat(refusal(() -> w.users.setPassword(ADMIN_B, TENANT, alice, NEW_PASSWORD)).code()).isEqualTo("forbidden");

        validSession(w.sessions.validate(desk.token(), DESK));
        loginAlice(PASSWORD);
    }
}
