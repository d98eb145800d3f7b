package dev.ward.server;

import static dev.ward.server.MfaHttpTest.PW;
import static dev.ward.server.MfaHttpTest.assertProblem;
import static dev.ward.server.MfaHttpTest.enrol;
import static dev.ward.server.MfaHttpTest.login;
import static dev.ward.server.MfaHttpTest.verify;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A {@code wmc_…} challenge rests on the password that earned it: a password change (self or admin), a
 * disabled account, a lockout and an MFA reset each end the user's open challenges, so a right code sent
 * afterwards no longer signs anyone in — even once the account is back as it was.
 */
class MfaChallengeEndsHttpTest {
    static final String TENANT = "clinic";
    static final String NEW_PW = "Brand-New-Secret-8!";

    TestWard w;

    @BeforeEach
    void start() {
        w = new TestWard();
        w.createTenant(TENANT, Map.of("login", Map.of("max_failures", 3, "lockout_seconds", 60)));
    }

    @AfterEach
    void stop() {
        w.close();
    }

    private String challenge(MfaHttpTest.Enrolled e) {
        w.clock.advance(Duration.ofSeconds(30));
        TestWard.Response r = login(w, TENANT, e.username());
        assertThat(r.text("status")).as(r.raw()).isEqualTo("mfa_required");
        return r.text("challenge");
    }

    private String codeNow(MfaHttpTest.Enrolled e) {
        return IndependentTotp.at(e.secret(), w.clock.instant());
    }

    private String user(String id) {
        return "/v1/admin/tenants/" + TENANT + "/users/" + id;
    }

    @Test
    void anAdministratorsPasswordResetEndsTheChallengeTakenWithTheOldPassword() {
        MfaHttpTest.Enrolled e = enrol(w, TENANT, "drgrey");
        String stolen = challenge(e);

        assertThat(w.post(user(e.userId()) + "/password", TestWard.json(Map.of("password", NEW_PW)), w.adminToken()).status())
                .isEqualTo(204);

        assertProblem(verify(w, stolen, codeNow(e)), 401, "mfa_challenge_invalid");
    }

    @Test
    void theHoldersOwnPasswordChangeEndsTheirOpenChallenges() {
        MfaHttpTest.Enrolled e = enrol(w, TENANT, "drgrey");
        String stolen = challenge(e);

        TestWard.Response changed = w.post("/v1/me/password",
                TestWard.json(Map.of("current_password", PW, "new_password", NEW_PW)), e.token());
        assertThat(changed.status()).as(changed.raw()).isEqualTo(204);

        assertProblem(verify(w, stolen, codeNow(e)), 401, "mfa_challenge_invalid");
    }

    @Test
    void aDisabledAccountsChallengesStayDeadWhenItIsEnabledAgain() {
        MfaHttpTest.Enrolled e = enrol(w, TENANT, "drgrey");
        String stolen = challenge(e);

        assertThat(w.post(user(e.userId()) + "/disable", null, w.adminToken()).status()).isEqualTo(204);
        assertThat(w.post(user(e.userId()) + "/enable", null, w.adminToken()).status()).isEqualTo(204);

        assertProblem(verify(w, stolen, codeNow(e)), 401, "mfa_challenge_invalid");
    }

    @Test
    void aLockoutEndsTheChallengesEvenWhenTheLockIsShorterThanTheirLife() {
        MfaHttpTest.Enrolled e = enrol(w, TENANT, "drgrey");
        String stolen = challenge(e);
        for (int i = 0; i < 3; i++) {
            w.post("/v1/auth/login", TestWard.json(Map.of("tenant", TENANT, "username", "drgrey", "password", "Wrong-Guess-" + i + "!")),
                    null);
        }

        w.clock.advance(Duration.ofSeconds(61)); // the 60 s lock is over; the 5-minute challenge would not be
        assertProblem(verify(w, stolen, codeNow(e)), 401, "mfa_challenge_invalid");
    }

    @Test
    void anMfaResetEndsTheChallengesSoTheNewAuthenticatorCannotFinishThem() {
        MfaHttpTest.Enrolled before = enrol(w, TENANT, "drgrey");
        String stolen = challenge(before);

        assertThat(w.post(user(before.userId()) + "/reset-mfa", null, w.adminToken()).status()).isEqualTo(204);
        String enrolment = login(w, TENANT, "drgrey").text("token");
        String secret = w.post("/v1/me/mfa/totp/setup", null, enrolment).text("secret");
        assertThat(w.post("/v1/me/mfa/totp/confirm", TestWard.json(Map.of("code", IndependentTotp.at(secret, w.clock.instant()))),
                enrolment).status()).isEqualTo(200);

        w.clock.advance(Duration.ofSeconds(30));
        assertProblem(verify(w, stolen, IndependentTotp.at(secret, w.clock.instant())), 401, "mfa_challenge_invalid");
    }
}
